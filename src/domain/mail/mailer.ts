// Outgoing mail for the account flows (docs/accounts.md). One transport per process: nodemailer
// over SMTP_URL; without it, NODE_ENV=development writes each message (with its link, a credential)
// to the log, and every other mode has no mailer at all, so the flows that need one answer 503
// EMAIL_NOT_CONFIGURED.
import { createTransport, type Transporter } from 'nodemailer';
import type { MailConfig } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { DomainError } from '../errors.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** False in production without SMTP_URL: nothing can be sent. */
  readonly configured: boolean;
  /** Throws EMAIL_NOT_CONFIGURED when nothing can be sent, before any work that needs a mail. */
  requireConfigured(): void;
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export const emailNotConfigured = () =>
  new DomainError('EMAIL_NOT_CONFIGURED', 'Email is not configured on this server, so this cannot be done');

/** A bound on one SMTP exchange, so a stuck mail server never holds a request or a job. */
const SMTP_TIMEOUT_MS = 15_000;

export function createMailer(config: MailConfig, logger: Logger): Mailer {
  if (config.smtpUrl) {
    const transport: Transporter = createTransport({
      url: config.smtpUrl,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    });
    return {
      configured: true,
      requireConfigured: () => {},
      send: async (message) => {
        await transport.sendMail({ from: config.from, ...message });
        // The recipient is personal data and the body holds a token: only the subject is logged.
        logger.info({ subject: message.subject }, 'mail sent');
      },
      close: () => transport.close(),
    };
  }
  if (config.logInstead) {
    return {
      configured: true,
      requireConfigured: () => {},
      send: async (message) => {
        logger.info({ to: message.to, subject: message.subject, text: message.text }, 'mail (SMTP_URL unset: logged)');
      },
      close: () => {},
    };
  }
  return {
    configured: false,
    requireConfigured: () => {
      throw emailNotConfigured();
    },
    send: async () => {
      throw emailNotConfigured();
    },
    close: () => {},
  };
}
