/** The starter scenario `bench init` writes into the current folder when no file is named (its --help says so). */
export const DEFAULT_INIT_FILE = 'bench-scenario.yaml';
