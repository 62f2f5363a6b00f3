import { describe, expect, it } from '@jest/globals';
import type { ErrorCode as ClientErrorCode } from '../../client/generated/enums.js';
import { buildSchema, isEnumType } from 'graphql';
import { ErrorCode } from '../../src/errors/concord-error.js';
import { loadTypeDefs } from '../../src/graphql/type-defs.js';
import { TrustedDocumentCode } from '../../src/graphql/trusted-documents.js';

describe('public error codes', () => {
  it('are the same list in the schema’s ErrorCode enum and in src/errors.ts', () => {
    const type = buildSchema(loadTypeDefs().join('\n')).getType('ErrorCode');
    if (!isEnumType(type)) throw new Error('ErrorCode is not an enum');
    const inSchema = type.getValues().map((v) => v.name);
    expect([...inSchema].sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it('reach clients as a type: client/generated/enums.ts has ErrorCode, the same list', () => {
    // Both ways assignable, or this file does not compile (typecheck runs over test/).
    const fromServer: ClientErrorCode = ErrorCode.BAD_USER_INPUT as ErrorCode;
    const toServer: ErrorCode = fromServer;
    expect(toServer).toBe('BAD_USER_INPUT');
  });

  it('include the codes the trusted-documents refusals send', () => {
    for (const code of Object.values(TrustedDocumentCode)) expect(Object.values(ErrorCode)).toContain(code);
  });
});
