/**
 * Static bearer tokens from --token-auth-file, kube-apiserver's CSV format: one record per line,
 * `token,user,uid[,"group1,group2"]` (k8s.io/apiserver/pkg/authentication/token/tokenfile).
 */
import * as fs from 'node:fs';
import type { UserInfo } from '../user';
import type { AuthResponse, TokenAuthenticator } from './types';

/** TokenFileWarning is a record the loader skipped or overrode, for the start-up log. */
export type TokenFileWarning = string;

/** parseTokenFile reads the records; a malformed file is an Error, as upstream refuses to start. */
export function parseTokenFile(path: string, text: string, warn: (w: TokenFileWarning) => void = () => {}): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  let recordNum = 0;
  for (const record of parseCsv(text, path)) {
    if (record.length < 3) {
      throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    }
    recordNum++;
    const [token, name, uid, groups] = record;
    if (token === '') {
      warn(`empty token has been found in token file '${path}', record number '${recordNum}'`);
      continue;
    }
    if (tokens.has(token)) warn(`duplicate token has been found in token file '${path}', record number '${recordNum}'`);
    const user: UserInfo = { name, uid, groups: groups !== undefined ? groups.split(',') : [] };
    tokens.set(token, user);
  }
  return tokens;
}

/** tokenFileAuthenticator authenticates the tokens of a --token-auth-file. */
export function tokenFileAuthenticator(path: string, warn?: (w: TokenFileWarning) => void): TokenAuthenticator {
  const tokens = parseTokenFile(path, fs.readFileSync(path, 'utf8'), warn);
  return staticTokenAuthenticator(tokens);
}

/** staticTokenAuthenticator authenticates tokens from a map; it does not care about audiences. */
export function staticTokenAuthenticator(tokens: ReadonlyMap<string, UserInfo>): TokenAuthenticator {
  return {
    async authenticateToken(token: string, audiences: string[] | undefined): Promise<AuthResponse | undefined> {
      const user = tokens.get(token);
      if (!user) return undefined;
      return { user: { ...user, groups: [...user.groups] }, audiences };
    },
  };
}

/**
 * parseCsv splits CSV text into records as Go's encoding/csv does with FieldsPerRecord = -1:
 * quoted fields may hold commas, `""` is a quote, empty lines are skipped.
 */
export function parseCsv(text: string, path = ''): string[][] {
  const records: string[][] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    // Skip empty lines.
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      continue;
    }
    const record: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new Error(`parse error on line ${line}: extraneous or missing " in quoted-field (token file '${path}')`);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new Error(`parse error on line ${line}: extraneous or missing " in quoted-field (token file '${path}')`);
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') throw new Error(`parse error on line ${line}: bare " in non-quoted-field (token file '${path}')`);
          field += text[i];
          i++;
        }
      }
      record.push(field);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    records.push(record);
  }
  return records;
}
