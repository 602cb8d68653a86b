/**
 * S3 user metadata travels in HTTP headers, which carry printable US-ASCII only: Node refuses
 * anything else before the request leaves ("Invalid character in header content"). S3's own
 * form for other text is an RFC 2047 encoded-word over the UTF-8 bytes, `=?UTF-8?B?<base64>?=`,
 * which S3 decodes when it stores a value and uses again when it returns one. A key named in
 * Cyrillic or Japanese made every quarantine copy of its file fail until stop 45.
 */
export function encodeMetadataValue(value: string): string {
  if (/^[\t\x20-\x7e]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** A value as read from S3: base64 encoded-words decoded (the space between them dropped), else as it is. */
export function decodeMetadataValue(value: string): string {
  const words = value
    .trim()
    .split(/\s+/)
    .map((word) => /^=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=$/i.exec(word));
  if (words.some((word) => word === null)) return value;
  return words
    .map((word) => Buffer.from((word as RegExpExecArray)[1] as string, 'base64').toString('utf8'))
    .join('');
}

/** Every value of a metadata map through `code`. */
export function mapMetadata(
  metadata: Record<string, string>,
  code: (value: string) => string,
): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name, code(value)]));
}
