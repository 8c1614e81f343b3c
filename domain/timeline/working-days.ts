/**
 * Working days (Monday to Friday, UTC) as consecutive integers, so lags and durations are plain additions.
 * Index 0 is Monday 1970-01-05; every weekend day maps to the Monday after it.
 */
const DAY_MS = 86_400_000;
const FIRST_MONDAY = 4; // 1970-01-05 is day 4 after the epoch

export type IsoDate = string; // 'YYYY-MM-DD'

function dayNumber(date: IsoDate): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

function fromDayNumber(day: number): IsoDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The working day on or after `date`. */
export function toWorkingIndex(date: IsoDate): number {
  const offset = dayNumber(date) - FIRST_MONDAY;
  const week = Math.floor(offset / 7);
  const weekday = offset - week * 7; // 0 = Monday
  return week * 5 + Math.min(weekday, 5);
}

export function fromWorkingIndex(index: number): IsoDate {
  const week = Math.floor(index / 5);
  return fromDayNumber(FIRST_MONDAY + week * 7 + (index - week * 5));
}

export function addWorkingDays(date: IsoDate, days: number): IsoDate {
  return fromWorkingIndex(toWorkingIndex(date) + days);
}

export function workingDaysBetween(from: IsoDate, to: IsoDate): number {
  return toWorkingIndex(to) - toWorkingIndex(from);
}

export function isoDate(at: string | number | Date): IsoDate {
  return new Date(at).toISOString().slice(0, 10);
}
