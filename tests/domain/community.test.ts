import { Community } from '../../src/platform/community';

const SCHOOLS = '11111111-2222-3333-4444-555555555555';
const LA = '99999999-8888-7777-6666-555555555555';

it('makes the allowed tenants one community, and each other tenant a community of its own', () => {
  const wales = new Community([SCHOOLS, LA.toUpperCase()]);
  expect(wales.tenantsOf(SCHOOLS).sort()).toEqual([SCHOOLS, LA].sort());
  expect(wales.shares(LA, SCHOOLS)).toBe(true);
  expect(wales.tenantsOf('elsewhere')).toEqual(['elsewhere']);
  expect(wales.shares('elsewhere', SCHOOLS)).toBe(false);
  const open = new Community([]);
  expect(open.tenantsOf(SCHOOLS)).toEqual([SCHOOLS]);
  expect(open.shares(SCHOOLS, LA)).toBe(false);
});
