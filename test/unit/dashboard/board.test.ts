// What the board shows per queue and per delivery.
import { describe, expect, it } from 'vitest';
import { archiveJobTitle, describeQueue } from '../../../src/dashboard/board.js';

describe('archiveJobTitle', () => {
  it('names category, destination, direction, testpoint and archiver (without credentials)', () => {
    const title = archiveJobTitle({
      name: 'rtt d1',
      data: {
        url: 'https://u:SECRET@archiver.example.org/ps',
        category: 'rtt',
        testpoint: 'ship-7',
        body: { dst: { ip: '192.0.2.10', name: 'site-a' }, direction: 'forward' },
      },
    });
    expect(title).toBe('rtt → site-a (192.0.2.10) forward · ship-7 → https://archiver.example.org/ps');
  });

  it('falls back to the job name for data of another shape', () => {
    expect(archiveJobTitle({ name: 'edited', data: { category: 3 } as never })).toBe('edited');
  });
});

describe('describeQueue', () => {
  it('explains each kind of queue', () => {
    expect(describeQueue('schedule')).toMatch(/Round ticks/);
    expect(describeQueue('measure-tp1')).toMatch(/testpoint tp1/);
    expect(describeQueue('throughput-tp1')).toMatch(/one at a time/);
    expect(describeQueue('archive-a.example.org-12345678')).toMatch(/one archiver/);
  });
});
