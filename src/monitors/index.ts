export { MonitorDriver, type MonitorDriverOptions, type MonitorCommandResult } from './monitor-driver.js';
export { SimulatedMonitor, type SimulatedMonitorFault, type SimulatedMonitorOptions } from './simulated-monitor.js';
export type * from './types.js';
export { MonitorService, type MonitorConfig } from './monitor-service.js';
