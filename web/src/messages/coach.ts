/** The coach's pages' text (sign-in, onboarding, invitations, enrollments). Keys start with `coach.`; Spanish names every English key. */
export const en = {} as const;

export const es: Record<keyof typeof en, string> = {};
