/** The machine a measurement ran on, for reports (speed figures mean nothing without it). */
import { cpus, loadavg } from 'node:os';

/** CPU model, core count, load averages (1, 5, 15 min) and Node version. */
export function machineInfo(): { cpu: string; cores: number; loadAverage: number[]; node: string } {
  const list = cpus();
  return { cpu: list[0]?.model.trim() ?? 'unknown', cores: list.length, loadAverage: loadavg(), node: process.version };
}
