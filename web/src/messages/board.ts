/** The timeline board's text. Keys start with `board.`; Spanish names every English key. */
export const en = {} as const;

export const es: Record<keyof typeof en, string> = {};
