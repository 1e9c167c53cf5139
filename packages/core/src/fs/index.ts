export { writeFileAtomic } from './write-file-atomic';
export { fsErrorOf, withFsErrors } from './fs-error';
export type { FsAction } from './fs-error';
export { makeDirs, prepareOutputFile } from './make-dirs';
