import {
  credentialModes,
  weekdays,
  type CredentialMode,
  type DayType,
  type ScheduleWindow,
} from './access-rules';

/**
 * Schedule windows as a line of text, for the CLI and the admin page: days, a time range and an
 * optional mode, e.g. `mon-fri 08:00-12:00`, `sat,sun,holiday 10:00-14:00`, `daily 22:00-06:00
 * face_and_pin`. Days: mon..sun, ranges (mon-fri), `daily`, `holiday`. No zod here (the renderer
 * uses it without the contract); the contract checks the result.
 */
const dayPattern = /^(mon|tue|wed|thu|fri|sat|sun|holiday|daily)$/;

function expandDays(text: string): DayType[] {
  const days: DayType[] = [];
  for (const part of text.toLowerCase().split(',').filter(Boolean)) {
    const range = /^(mon|tue|wed|thu|fri|sat|sun)-(mon|tue|wed|thu|fri|sat|sun)$/.exec(part);
    if (range) {
      const from = weekdays.indexOf(range[1] as (typeof weekdays)[number]);
      const to = weekdays.indexOf(range[2] as (typeof weekdays)[number]);
      for (let i = from; ; i = (i + 1) % 7) {
        days.push(weekdays[i]);
        if (i === to) break;
      }
    } else if (dayPattern.test(part)) {
      if (part === 'daily') days.push(...weekdays);
      else days.push(part as DayType);
    } else {
      throw new Error(`'${part}' is not a day: use mon..sun, a range like mon-fri, daily or holiday`);
    }
  }
  return [...new Set(days)];
}

/** Parses one window; throws an Error with a readable message. */
export function parseWindow(line: string): ScheduleWindow {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2 || parts.length > 3) {
    throw new Error(
      `'${line.trim()}' is not a window: write days and a time range, e.g. mon-fri 08:00-17:00`,
    );
  }
  const days = expandDays(parts[0]);
  const times = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(parts[1]);
  if (!times) throw new Error(`'${parts[1]}' is not a time range: write HH:MM-HH:MM, e.g. 08:00-17:00`);
  const mode = parts[2];
  if (mode !== undefined && !(credentialModes as readonly string[]).includes(mode)) {
    throw new Error(`'${mode}' is not a mode: use ${credentialModes.join(', ')}`);
  }
  return { days, start: times[1], end: times[2], ...(mode ? { mode: mode as CredentialMode } : {}) };
}

/** One window as a line parseWindow reads back. */
export function formatWindow(w: ScheduleWindow): string {
  const order: DayType[] = [...weekdays, 'holiday'];
  const days = [...w.days].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const week = days.filter((d) => d !== 'holiday');
  let text: string;
  if (week.length === 7) text = 'daily';
  else {
    // Consecutive weekdays as a range (mon-fri), others listed.
    const parts: string[] = [];
    let i = 0;
    while (i < week.length) {
      let j = i;
      while (j + 1 < week.length && order.indexOf(week[j + 1]) === order.indexOf(week[j]) + 1) j++;
      parts.push(j - i >= 2 ? `${week[i]}-${week[j]}` : week.slice(i, j + 1).join(','));
      i = j + 1;
    }
    text = parts.join(',');
  }
  if (days.includes('holiday')) text = text ? `${text},holiday` : 'holiday';
  return `${text} ${w.start}-${w.end}${w.mode ? ` ${w.mode}` : ''}`;
}
