import { en } from './en';

/**
 * Every visible string comes from a typed dictionary: `t('kiosk.title')`, with `{name}`
 * placeholders filled from params. English is the reference; another language is a file with
 * the same keys (the Dictionary type makes a missing key a compile error) added to `dictionaries`.
 */

export type MessageKey = keyof typeof en;
export type Dictionary = { readonly [K in MessageKey]: string };
export type Params = Readonly<Record<string, string | number>>;

const dictionaries: Readonly<Record<string, Dictionary>> = { en };
export const languages = Object.keys(dictionaries);

let activeLanguage = 'en';
let active: Dictionary = en;

/** Switch language ('de-AT' falls back to 'de', then English); returns the language in use. */
export function setLanguage(code: string): string {
  const wanted = code.toLowerCase();
  const found = dictionaries[wanted]
    ? wanted
    : dictionaries[wanted.split('-')[0]]
      ? wanted.split('-')[0]
      : 'en';
  activeLanguage = found;
  active = dictionaries[found];
  return found;
}

export function currentLanguage(): string {
  return activeLanguage;
}

/** Replace `{name}` with params.name; numbers are formatted for the language; unknown names stay. */
export function interpolate(template: string, params: Params | undefined, language = activeLanguage): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!Object.hasOwn(params, name)) return whole;
    const value = params[name];
    return typeof value === 'number' ? new Intl.NumberFormat(language).format(value) : value;
  });
}

export function t(key: MessageKey, params?: Params): string {
  return interpolate(active[key] ?? en[key] ?? key, params);
}

/** Keys that come in plural forms: `${base}.one`, `${base}.other` (and `.zero`, `.two`, `.few`, `.many` where a language has them). */
export type PluralKey = {
  [K in MessageKey]: K extends `${infer B}.other` ? (`${B}.one` extends MessageKey ? B : never) : never;
}[MessageKey];

/**
 * The plural form of `base` for `count` under the language's rules (Intl.PluralRules): "1 open
 * alarm", "3 open alarms". `{count}` is filled with the number; other params as for t().
 */
export function tn(base: PluralKey, count: number, params?: Params): string {
  const category = new Intl.PluralRules(activeLanguage).select(count);
  const key = `${base}.${category}`;
  return t(isMessageKey(key) ? key : (`${base}.other` as MessageKey), { count, ...params });
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** A state code shown in words: t(`${prefix}.${state}`), or the code itself when it has no words yet. */
export function tState(prefix: string, state: string): string {
  const key = `${prefix}.${state}`;
  return isMessageKey(key) ? t(key) : state;
}
