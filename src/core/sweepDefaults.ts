/** Default statistical settings shared by the CLI and the editor (apart from the sweep, so the editor reads them without bundling it). */
export const SWEEP_DEFAULTS = { margin: 0.01, seed: 1, resamples: 2000, folds: 5 } as const;
