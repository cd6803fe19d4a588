// The messages of the account flows, plain text and HTML. A token appears only inside the link to
// the app's page (PUBLIC_APP_URL + path), which posts it to the API.
import type { MailMessage } from '../mail/mailer.ts';

export interface AccountMail {
  passwordReset(to: string, token: string): MailMessage;
  verifyEmail(to: string, token: string): MailMessage;
  confirmNewEmail(to: string, token: string): MailMessage;
  accountDeleted(to: string): MailMessage;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function message(
  to: string,
  subject: string,
  paragraphs: string[],
  link?: { url: string; label: string },
): MailMessage {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : []), '— FrameLord'].join('\n\n');
  const html = [
    ...paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`] : []),
    '<p>— FrameLord</p>',
  ].join('\n');
  return { to, subject, text, html };
}

export function createAccountMail(publicAppUrl: string): AccountMail {
  const link = (path: string, token: string) => `${publicAppUrl}${path}?token=${encodeURIComponent(token)}`;
  return {
    passwordReset: (to, token) =>
      message(
        to,
        'Reset your FrameLord password',
        [
          'Someone asked to reset the password of the FrameLord account for this address.',
          'The link works once, for one hour. If it was not you, ignore this mail: nothing changes.',
        ],
        { url: link('/reset-password', token), label: 'Choose a new password' },
      ),
    verifyEmail: (to, token) =>
      message(
        to,
        'Confirm your email address for FrameLord',
        ['Please confirm that this address belongs to your FrameLord account.'],
        { url: link('/verify-email', token), label: 'Confirm this address' },
      ),
    confirmNewEmail: (to, token) =>
      message(
        to,
        'Confirm your new email address for FrameLord',
        [
          'Your FrameLord account asked to use this address from now on.',
          'The account switches to it once you confirm. If it was not you, ignore this mail.',
        ],
        { url: link('/verify-email', token), label: 'Use this address' },
      ),
    accountDeleted: (to) =>
      message(to, 'Your FrameLord account is closed', [
        'Your FrameLord account and everything in it have been deleted, as you asked.',
        'Every device signed in to it has been signed out.',
      ]),
  };
}
