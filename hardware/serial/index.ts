export { SerialPortManager } from './manager.js';
export { startSerialPort, DEFAULT_SERIAL_BACKOFF, type SerialPortDeps } from './supervised-port.js';
export { ReadOnlyTtyError } from './open-tty.js';
export { portHealth } from './health.js';
export type * from './types.js';
