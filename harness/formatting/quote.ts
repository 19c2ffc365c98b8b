/** Control characters (C0, DEL, C1): never sent to a server in a path or header, never printed raw. */
export const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/**
 * Text from the user as a message quotes it: in double quotes, control characters as \xNN, so
 * that a NUL or an escape sequence neither reaches the terminal nor splits the one-line message.
 */
export function quoted(text: string): string {
  return `"${escapeControls(text.replace(/["\\]/g, '\\$&'))}"`;
}

export function escapeControls(text: string): string {
  return text.replace(new RegExp(CONTROL.source, 'g'), (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
