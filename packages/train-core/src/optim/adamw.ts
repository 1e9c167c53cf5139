import { Adam, type AdamOptions } from './adam';

/**
 * AdamW (Loshchilov & Hutter): Adam whose weight decay is decoupled from the gradient,
 * `w ← w·(1 - lr·wd) - lr·Adam step`, as PyTorch's `AdamW` (default wd 0.01).
 */
export class AdamW extends Adam {
  override readonly kind: string = 'adamw';
  protected override readonly decoupled: boolean = true;

  constructor(options: AdamOptions = {}) {
    super(options, 0.01);
  }
}
