// The compose interpolation the deploy tests rely on, checked against the Compose Specification's rules.
import { describe, expect, it } from 'vitest';
import { durationSeconds, interpolate, InterpolationError, mergeCompose, referencedVariables } from './compose-model.js';

const env = { SET: 'value', EMPTY: '', PW: 's3cret' };

describe('compose interpolation', () => {
  it('substitutes $VAR and ${VAR}; unset ones become "" and are reported', () => {
    const unset = new Set<string>();
    expect(interpolate('a $SET b ${SET} c ${NOPE}$NOPE2.', env, unset)).toBe('a value b value c .');
    expect([...unset]).toEqual(['NOPE', 'NOPE2']);
  });

  it('$$ is a literal $', () => {
    expect(interpolate('cost $$5 and $${SET}', env)).toBe('cost $5 and ${SET}');
  });

  it(':- treats empty as unset, - only unset', () => {
    expect(interpolate('${SET:-d}|${EMPTY:-d}|${NOPE:-d}', env)).toBe('value|d|d');
    expect(interpolate('${SET-d}|${EMPTY-d}|${NOPE-d}', env)).toBe('value||d');
  });

  it(':? fails on unset or empty, ? only on unset, with the message', () => {
    expect(interpolate('${SET:?need it}', env)).toBe('value');
    expect(() => interpolate('${EMPTY:?need EMPTY}', env)).toThrow(InterpolationError);
    expect(() => interpolate('${NOPE:?need NOPE: really}', env)).toThrow(/NOPE.*need NOPE: really/);
    expect(interpolate('${EMPTY?x}', env)).toBe('');
    expect(() => interpolate('${NOPE?x}', env)).toThrow(InterpolationError);
  });

  it(':+ and + give the replacement when set', () => {
    expect(interpolate('${SET:+r}|${EMPTY:+r}|${NOPE:+r}', env)).toBe('r||');
    expect(interpolate('${SET+r}|${EMPTY+r}|${NOPE+r}', env)).toBe('r|r|');
  });

  it('nests inside defaults, evaluated only when used', () => {
    expect(interpolate('${NOPE:-redis://:${PW:-}@127.0.0.1:${PORT:-6379}}', env)).toBe('redis://:s3cret@127.0.0.1:6379');
    expect(interpolate('${SET:-${NOPE:?never evaluated}}', env)).toBe('value');
    expect(interpolate('${NOPE:-${ALSO_NOPE:-${SET}}}', env)).toBe('value');
  });

  it('rejects malformed references', () => {
    expect(() => interpolate('a $ b', env)).toThrow(InterpolationError);
    expect(() => interpolate('${SET', env)).toThrow(/unclosed/);
    expect(() => interpolate('${1X}', env)).toThrow(InterpolationError);
    expect(() => interpolate('${SET:x}', env)).toThrow(InterpolationError);
  });

  it('lists the variables a text refers to, nested ones included, $$ not', () => {
    expect([...referencedVariables('${A:-${B}} $C $${D} $$E')].sort()).toEqual(['A', 'B', 'C']);
  });
});

describe('compose merge of -f files', () => {
  it('merges mappings, appends sequences without duplicates, replaces command and healthcheck test', () => {
    const base = { services: { r: { command: ['a', 'b'], ports: ['1:1'], environment: { A: '1', B: '2' }, healthcheck: { test: ['CMD', 'x'] } } } };
    const over = { services: { r: { command: ['c'], ports: ['1:1', '2:2'], environment: { B: '3' }, healthcheck: { test: ['CMD', 'y'] } }, t: { image: 'i' } } };
    expect(mergeCompose(base, over)).toEqual({
      services: {
        r: { command: ['c'], ports: ['1:1', '2:2'], environment: { A: '1', B: '3' }, healthcheck: { test: ['CMD', 'y'] } },
        t: { image: 'i' },
      },
    });
  });

  it('reads compose durations', () => {
    expect(durationSeconds('90s')).toBe(90);
    expect(durationSeconds('2m')).toBe(120);
    expect(durationSeconds('1m30s')).toBe(90);
    expect(() => durationSeconds('soon')).toThrow();
  });
});
