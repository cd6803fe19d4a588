import { startTestServer } from '../../test/helpers/server.ts';
import { request } from '../../test/helpers/http.ts';
const server = await startTestServer();
try {
  const reg = await request(server.url, 'POST', '/api/v1/auth/register', {
    body: { email: `lat-${Date.now()}@example.com`, password: 'long enough', full_name: 'L' },
  });
  const token = reg.body.data.access_token;
  const time = async (n: number, fn: () => Promise<unknown>) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return +((performance.now() - t) / n).toFixed(2);
  };
  await time(50, () => fetch(`${server.url}/healthz`));
  const health = await time(300, () => fetch(`${server.url}/healthz`).then((r) => r.text()));
  const me = await time(300, () => request(server.url, 'GET', '/api/v1/auth/me', { token }));
  const refused = await time(300, () => request(server.url, 'GET', '/api/v1/auth/me', { token: 'x.y.z' }));
  const login = await time(20, () =>
    request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: reg.body.data.user.email, password: 'long enough' },
    }),
  );
  const register = await time(20, () =>
    request(server.url, 'POST', '/api/v1/auth/register', {
      body: { email: `lat-${Math.random()}@example.com`, password: 'long enough', full_name: 'L' },
    }),
  );
  console.log(
    JSON.stringify({
      engine: server.server.services.database.engine,
      healthz_ms: health,
      me_ms: me,
      refused_token_ms: refused,
      login_ms: login,
      register_ms: register,
    }),
  );
} finally {
  await server.destroy();
}
