// A real SMTP server inside the test (smtp-server): the server under test sends through
// SMTP_URL=smtp://127.0.0.1:PORT, and tests read what arrived and follow the links in it.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients. */
  to: string[];
  subject: string;
  /** The whole message with quoted-printable soft breaks and escapes undone. */
  body: string;
}

export interface MailTrap {
  url: string;
  messages: ReceivedMail[];
  /** The first message to `to` (after `skip` earlier ones) matching `subject`, waiting for it to arrive. */
  waitFor(to: string, subject?: RegExp, options?: { timeoutMs?: number; skip?: number }): Promise<ReceivedMail>;
  /** Holds each message this long before accepting it (0: at once), as a slow mail server does. */
  hold(ms: number): void;
  close(): Promise<void>;
}

function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function decodeSubject(raw: string): string {
  const line = /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(raw)?.[1] ?? '';
  // RFC 2047 words (nodemailer uses them for non-ASCII subjects).
  return line
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

export async function startMailTrap(): Promise<MailTrap> {
  const messages: ReceivedMail[] = [];
  let holdMs = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        setTimeout(() => {
          messages.push({
            to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
            subject: decodeSubject(raw),
            body: decodeQuotedPrintable(raw),
          });
          callback();
        }, holdMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor: async (to, subject, options = {}) => {
      const deadline = Date.now() + (options.timeoutMs ?? 15_000);
      for (;;) {
        const matching = messages.filter(
          (message) => message.to.includes(to.toLowerCase()) && (!subject || subject.test(message.subject)),
        );
        const found = matching[options.skip ?? 0];
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject ?? 'anything'} arrived`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    hold: (ms) => {
      holdMs = ms;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The token of the link to `path` (e.g. /reset-password) in a mail. */
export function linkToken(mail: ReceivedMail, path: string): string {
  const escaped = path.replace(/[/]/g, '\\/');
  const match = new RegExp(`${escaped}\\?token=([A-Za-z0-9_%-]+)`).exec(mail.body);
  if (!match?.[1]) throw new Error(`no ${path} link in the mail:\n${mail.body}`);
  return decodeURIComponent(match[1]);
}

/** The plain-text and HTML parts of a mail (nodemailer's multipart/alternative), as sent. */
export function mailParts(mail: ReceivedMail): { text: string; html: string } {
  const part = (type: string) =>
    new RegExp(`Content-Type: ${type}[^\\n]*\\r?\\n(?:[^\\r\\n]+\\r?\\n)*\\r?\\n([\\s\\S]*?)\\r?\\n--`, 'i').exec(
      mail.body,
    )?.[1] ?? '';
  return { text: part('text/plain'), html: part('text/html') };
}

/** How often `token` appears in the mail outside the link `path?token=…`: 0 when only the link carries it. */
export function tokenOutsideLink(mail: ReceivedMail, path: string, token: string): number {
  const withoutLinks = mail.body.split(`${path}?token=${encodeURIComponent(token)}`).join('');
  return withoutLinks.split(token).length - 1;
}
