/**
 * Last line of defence for secrets in printed text. Messages are built without the password in the first
 * place; this catches a library message that echoes a URL. `minLength` spares whole reports from a
 * 1-character password turning every `1` into `***`; text from outside (error messages) uses 1.
 */
export function makeRedactor(secrets: ReadonlyArray<string | undefined>, minLength = 1): (text: string) => string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < minLength) continue;
    needles.add(secret);
    needles.add(encodeURIComponent(secret));
  }
  // Longest first, so an encoded form is not half-replaced through a shorter needle inside it.
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const needle of ordered) out = out.split(needle).join('***');
    return out;
  };
}
