// The request Hocuspocus keeps per connection: relative url (no `new URL` per update), every header.
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { toWebRequest } from '../../src/collab/upgrade-request.ts';

function upgrade(url: string, headers: Record<string, string | string[]>): IncomingMessage {
  const message = new IncomingMessage(new Socket());
  message.url = url;
  message.headers = headers as IncomingMessage['headers'];
  return message;
}

describe('the upgrade request handed to Hocuspocus', () => {
  it('has a relative url, so Hocuspocus reads its parameters without building a URL', () => {
    const request = toWebRequest(upgrade('/collab?room=a&x=1', { host: 'sync.example:8080' }));
    expect(request).toBeInstanceOf(Request);
    expect(request.url).toBe('/collab?room=a&x=1');
    expect(request.url.includes('://')).toBe(false);
    // What Hocuspocus 4.7's getParameters does with a relative url.
    const parameters = new URLSearchParams(request.url.split('?')[1] ?? '');
    expect(parameters.get('room')).toBe('a');
    expect(parameters.get('x')).toBe('1');
  });

  it('keeps every header, repeated ones included', () => {
    const request = toWebRequest(
      upgrade('/collab', { host: 'h', origin: 'https://app.example', 'x-forwarded-for': ['1.2.3.4', '5.6.7.8'] }),
    );
    expect(request.headers.get('origin')).toBe('https://app.example');
    expect(request.headers.get('host')).toBe('h');
    expect(request.headers.get('x-forwarded-for')).toBe('1.2.3.4, 5.6.7.8');
  });
});
