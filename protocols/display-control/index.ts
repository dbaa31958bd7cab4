export * from './nec-frame.js';
export * from './nec-messages.js';
