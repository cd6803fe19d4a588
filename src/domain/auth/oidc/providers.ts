// The configured identity providers and their discovered metadata (docs/identity-providers.md).
import * as client from 'openid-client';
import type { OidcConfig, OidcProviderConfig } from '../../../config.ts';
import type { Logger } from '../../../logger.ts';
import { DomainError, notFound } from '../../errors.ts';

export const OIDC_CALLBACK_PATH = (name: string) => `/api/v1/auth/oidc/${name}/callback`;

export interface ProviderRegistry {
  list(): OidcProviderConfig[];
  /** 404 NOT_FOUND for a name that is not configured. */
  get(name: string): OidcProviderConfig;
  /** The provider's discovered configuration; 503 SERVICE_UNAVAILABLE while discovery fails. */
  configuration(name: string): Promise<client.Configuration>;
  /** The redirect_uri registered at the provider: PUBLIC_URL + the callback path. */
  callbackUrl(name: string): string;
}

/**
 * Plain http is allowed only for an issuer on the loopback interface (a provider on the same
 * machine, as in the tests): anywhere else the discovery document and the keys that sign the
 * id_token could be swapped on the way.
 */
function isLoopback(issuer: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
}

export function createProviderRegistry(
  config: OidcConfig,
  publicUrl: string | undefined,
  logger: Logger,
  discover: typeof client.discovery = client.discovery,
): ProviderRegistry {
  const byName = new Map(config.providers.map((provider) => [provider.name, provider]));
  // One discovery per provider per process; a failed one is forgotten so the next request retries.
  const discovered = new Map<string, Promise<client.Configuration>>();

  const get = (name: string): OidcProviderConfig => {
    const provider = byName.get(name);
    if (!provider) throw notFound('Identity provider');
    return provider;
  };

  const runDiscovery = async (provider: OidcProviderConfig): Promise<client.Configuration> => {
    const issuer = new URL(provider.issuer);
    const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
    try {
      return await discover(issuer, provider.clientId, provider.clientSecret, undefined, {
        // openid-client trusts TLS for an id_token from the token endpoint and skips its
        // signature; checking it against the provider's keys costs one cached JWKS fetch and
        // refuses a token a compromised path or a confused provider would hand over.
        execute: insecure
          ? [client.allowInsecureRequests, client.enableNonRepudiationChecks]
          : [client.enableNonRepudiationChecks],
      });
    } catch (error) {
      logger.warn({ provider: provider.name, err: error }, 'identity provider discovery failed');
      throw new DomainError('SERVICE_UNAVAILABLE', `The identity provider ${provider.name} cannot be reached`);
    }
  };

  return {
    list: () => [...byName.values()],
    get,
    configuration: (name) => {
      const provider = get(name);
      let pending = discovered.get(name);
      if (!pending) {
        pending = runDiscovery(provider);
        discovered.set(name, pending);
        pending.catch(() => discovered.delete(name));
      }
      return pending;
    },
    callbackUrl: (name) => {
      if (!publicUrl) throw new DomainError('SERVICE_UNAVAILABLE', 'PUBLIC_URL is not configured');
      return `${publicUrl}${OIDC_CALLBACK_PATH(name)}`;
    },
  };
}
