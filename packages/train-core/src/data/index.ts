export { SeededRng, mixSeed } from './seeded-rng';
export type { Dataset, Example } from './dataset';
export { ArrayDataset, type ArrayDatasetOptions } from './array-dataset';
export { ImageFolderDataset, type ImageFolderOptions } from './image-folder-dataset';
export { DataLoader, type DataLoaderOptions, type Batch } from './data-loader';
export { generateShapes, SHAPE_CLASSES, type GenerateShapesOptions, type ShapesData } from './synthetic-shapes';
