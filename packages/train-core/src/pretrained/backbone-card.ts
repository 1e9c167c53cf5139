/** The pretrained backbone train-core ships, as a core model card (sha256 and size from the conversion tool's manifest). */
import type { ModelCard, ModelFile } from '@modelkit/core';
import manifest from '../../models/models-manifest.json';

function bundledFile(name: string, file: keyof typeof manifest): ModelFile {
  const entry = manifest[file];
  return { name, sha256: entry.sha256, size: entry.size, source: { type: 'bundled', path: `models/${file}` } };
}

/**
 * MobileNetV2 1.0 (Keras, ImageNet weights; its top blocks fine-tuned on five content classes
 * by nsfw_model) without a head: the weights of `mobileNetV2()` at any input size, as tfjs
 * weight specs (`weights.json`) and their uint8-quantized bytes (`weights.bin`). Input RGB in
 * [0, 1], as nsfwjs feeds it (on Fashion-MNIST, [0, 1] beat Keras' usual [-1, 1] by 6–7 points
 * of accuracy with a frozen backbone: the fine-tuned top blocks learnt on [0, 1]).
 */
export const MOBILENET_V2_BACKBONE_CARD: ModelCard = {
  id: 'mobilenetv2-imagenet-backbone',
  task: 'image-backbone',
  version: '1.0.0',
  description:
    'MobileNetV2 1.0 backbone (stem, 17 inverted residual blocks, Conv_1 to 1280 channels; 2.26 M weights) from nsfwjs 4.4.0: ' +
    'Keras ImageNet weights, blocks 11-16 and Conv_1 fine-tuned on 5 content classes by nsfw_model; input RGB in [0, 1]',
  files: [bundledFile('weights.json', 'mobilenet-v2/weights.json'), bundledFile('weights.bin', 'mobilenet-v2/weights.bin')],
  input: { layout: 'nhwc', channelOrder: 'rgb', scale: 1 / 255, width: 224, height: 224 },
  license: 'MIT',
  origin: {
    name: 'MobileNetV2 from npm nsfwjs 4.4.0 (dist/models/mobilenet_v2), head removed by tools/convert-models/train-core-mobilenet.ts',
    url: 'https://github.com/infinitered/nsfwjs',
    notice:
      'nsfwjs: Copyright (c) 2019 Infinite Red, Inc. (MIT). nsfw_model: Copyright (c) 2020 The nsfw_model Developers (MIT). ' +
      'ImageNet weights from Keras Applications MobileNetV2 (Apache-2.0). See NOTICE.',
  },
};
