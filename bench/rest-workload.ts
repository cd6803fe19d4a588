// What the REST benchmark sends, shared by the load generator and the bare reference server.
export const BENCH_CONTACT_BODY = {
  full_name: 'Bench Contact',
  relationship_domain: 'business',
  relationship_role: 'client',
  email: 'bench@example.com',
};
export const BENCH_LIST_QUERY = { per_page: '50' };
export const BENCH_LIST_PATH = '/api/v1/contacts?per_page=50';
