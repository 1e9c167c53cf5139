/** Export of tfjs LayersModels to ONNX through core's IR. */
export { exportLayersModelToOnnx, saveOnnx, EXPORTABLE_LAYERS } from './export-layers-model';
export type { ExportOnnxOptions } from './export-layers-model';
export { SUPPORTED_ACTIVATIONS } from './activations';
export { MODEL_FOLDER_FILES, writeModelFolder, type ModelFolder, type ModelFolderInfo } from './write-model-folder';
