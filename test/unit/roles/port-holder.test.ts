import { describe, expect, it } from 'vitest';
import { isAddressInUse, listeningInodes, portHeldMessage } from '../../../src/roles/port-holder.js';

// Real /proc/net/tcp and tcp6 lines from this machine (listeners on 2024 and 5201, one established connection on 5201).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 196 1 0000000042001322 100 0 0 10 0
   1: 0100007F:1451 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 206600 1 00000000a8a50ca2 100 0 0 10 0
   2: 0100007F:1451 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 206777 1 00000000a8a50ca2 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1451 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0
`;

describe('port holder', () => {
  it('finds the listening sockets of a port, IPv4 and IPv6, not its connections', () => {
    expect(listeningInodes(TCP, 5201)).toEqual(['206600']);
    expect(listeningInodes(TCP6, 5201)).toEqual(['31337']);
    expect(listeningInodes(TCP, 2024)).toEqual(['196']);
    expect(listeningInodes(TCP, 5202)).toEqual([]);
    expect(listeningInodes('', 5201)).toEqual([]);
  });

  it("recognises iperf3's answer for a taken port (3.12, plain and -J)", () => {
    expect(isAddressInUse('iperf3: error - unable to start listener for connections: Address already in use\niperf3: exiting\n')).toBe(true);
    expect(isAddressInUse('"error":\t"error - unable to start listener for connections: Address already in use"')).toBe(true);
    expect(isAddressInUse('iperf3: error - unable to receive control message: Connection reset by peer')).toBe(false);
  });

  it('names the port, the pid and the command, and what to do', () => {
    expect(portHeldMessage(5201, [{ pid: 1234, command: 'iperf3 -s -p 5201' }])).toBe(
      'iperf3 server cannot listen: port 5201 is already in use by pid 1234 (iperf3 -s -p 5201); stop it (kill 1234), or set IPERF3_PORT to a free port',
    );
    expect(portHeldMessage(5201, [])).toMatch(/port 5201 is already in use by another process \(its pid is not visible from here\); find it with `ss -ltnp`/);
  });
});
