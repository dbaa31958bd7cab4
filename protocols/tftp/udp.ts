import dgram, { type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/**
 * Addresses here are always IP literals (the configured host, a client's
 * rinfo.address). The default lookup still goes through dns.lookup and defers
 * every send by a tick; answering synchronously keeps a send a single call.
 */
function literal(address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, isIPv6(address) ? 6 : 4);
}

/** A UDP socket bound to `host:port` (port 0: an ephemeral one). */
export function bindUdp(host: string, port: number, recvBufferSize?: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
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
