export { crc16Modbus, crcOk, withCrc } from './crc.js';
export * from './messages.js';
