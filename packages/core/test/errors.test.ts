import { ErrorCodes, ImageError, ModelkitError, isModelkitError } from '../src';

describe('errors', () => {
  it('carry a stable code, their class name and JSON view', () => {
    const err = new ImageError(ErrorCodes.IMAGE_DECODE, 'cannot decode a.png', { details: { file: 'a.png' } });
    expect(err).toBeInstanceOf(ModelkitError);
    expect(err.name).toBe('ImageError');
    expect(isModelkitError(err, 'E_IMAGE_DECODE')).toBe(true);
    expect(isModelkitError(err, 'E_OFFLINE')).toBe(false);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'ImageError', code: 'E_IMAGE_DECODE', message: 'cannot decode a.png', details: { file: 'a.png' },
    });
  });
});
