/** Every command the extension registers, declared once (ids match `contributes.commands`). */
export const COMMANDS = {
  runSweep: 'promptBudget.runSweep',
  pickTestSet: 'promptBudget.pickTestSet',
  editCutoffs: 'promptBudget.editCutoffs',
  chooseEncoding: 'promptBudget.chooseEncoding',
  exportReport: 'promptBudget.exportReport',
  exportPolicy: 'promptBudget.exportPolicy',
  openLog: 'promptBudget.openLog',
  createStarterConfig: 'promptBudget.createStarterConfig',
  keepDetected: 'promptBudget.keepDetectedSettings',
  showPanel: 'promptBudget.showPanel',
  openSample: 'promptBudget.openSample',
  setApiKey: 'promptBudget.setApiKey',
  clearApiKey: 'promptBudget.clearApiKey',
  runLiveSweep: 'promptBudget.runLiveSweep',
  clearLiveCache: 'promptBudget.clearLiveCache',
  /** Internal: a result CodeLens opens the panel on its row. */
  revealPolicy: 'promptBudget.revealPolicy',
  /** Internal: the config quick fix that removes a missing test set or prompt. */
  removeConfigEntry: 'promptBudget.removeConfigEntry',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

/** Ids of the contributed views. */
export const VIEWS = {
  container: 'promptBudget',
  results: 'promptBudget.results',
} as const;
