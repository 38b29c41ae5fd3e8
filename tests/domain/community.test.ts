import { Community } from '../../src/platform/community';

const SCHOOLS = '11111111-2222-3333-4444-555555555555';
const LA = '99999999-8888-7777-6666-555555555555';

it('makes the allowed tenants one community, and each other tenant a community of its own', () => {
  const wales = new Community([SCHOOLS, LA.toUpperCase()]);
  expect(wales.tenantsOf(SCHOOLS).sort()).toEqual([SCHOOLS, LA].sort());
  expect(wales.shares(LA, SCHOOLS)).toBe(true);
  expect(wales.tenantsOf('elsewhere')).toEqual(['elsewhere']);
  // Their own tenant first, as given (rows are stored as Teams sends the id); the rest of the community after.
  expect(wales.tenantsOf(LA)).toEqual([LA, SCHOOLS]);
  const lettered = new Community([SCHOOLS, 'aaaaaaaa-0000-4000-8000-00000000000b']);
  expect(lettered.tenantsOf('AAAAAAAA-0000-4000-8000-00000000000B')).toEqual([
    'AAAAAAAA-0000-4000-8000-00000000000B',
    SCHOOLS,
    'aaaaaaaa-0000-4000-8000-00000000000b',
  ]);
  expect(lettered.shares('AAAAAAAA-0000-4000-8000-00000000000B', SCHOOLS)).toBe(true);
  expect(new Community([]).shares('AAAAAAAA-0000-4000-8000-00000000000B', 'AAAAAAAA-0000-4000-8000-00000000000B')).toBe(true);
  expect(wales.shares('elsewhere', SCHOOLS)).toBe(false);
  const open = new Community([]);
  expect(open.tenantsOf(SCHOOLS)).toEqual([SCHOOLS]);
  expect(open.shares(SCHOOLS, LA)).toBe(false);
});
