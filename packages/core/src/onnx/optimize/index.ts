export { optimizeGraph, type OptimizeReport, type OptimizePass } from './optimize-graph';
