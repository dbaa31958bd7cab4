import dgram, { type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

type Lookup = (address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void) => void;

/** A UDP socket bound to `host:port` (port 0: an ephemeral one). */
export function bindUdp(host: string, port: number, recvBufferSize?: number): Promise<Socket> {
  const family = isIPv6(host) ? 6 : 4;
  // Addresses here are always IP literals (the host, a client's rinfo.address).
  // The default lookup still goes through dns.lookup and defers every send by a
  // tick; answering at once keeps a send one synchronous call.
  const literal: Lookup = (address, _family, callback) => callback(null, address, family);
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      lookup: literal as unknown as dgram.SocketOptions['lookup'],
      ...(recvBufferSize ? { recvBufferSize } : {}),
    });
    socket.once('error', reject);
    socket.bind({ address: host, port }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
