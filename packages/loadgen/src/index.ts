export { formatSimulationReport, runSimulation } from './simulator/simulation.js';
export type { SimulationOptions, SimulationReport } from './simulator/simulation.js';
