/** C0 and C1 control characters and DEL: a terminal acts on them instead of showing them. */
const CONTROL = /\p{Cc}/gu;

/**
 * Text for a terminal with its control characters written as `\u001b` and so on. File names,
 * keys and sender names are the uploader's choice, and an escape sequence in one would
 * otherwise recolour, retitle or rewrite the operator's terminal when a report prints it.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
