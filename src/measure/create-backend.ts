// The backend a measure worker uses, by name.
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MeasureBackend } from './backend.js';
import { createDirectBackend } from './direct-backend.js';
import { createPschedulerBackend } from './pscheduler-backend.js';

export function createBackend(name: 'pscheduler' | 'direct', config: Pick<Config, 'pschedulerBin' | 'iperf3Port' | 'processEnv'>, logger?: Logger): MeasureBackend {
  return name === 'direct'
    ? createDirectBackend({ iperf3Port: config.iperf3Port, logger, processEnv: config.processEnv })
    : createPschedulerBackend(config.pschedulerBin, config.processEnv);
}
