/**
 * Hides secrets in text: every occurrence of a secret (and its URL- and JSON-encoded forms)
 * becomes '***'. Secrets are only ever added, so several accounts in one process each stay hidden.
 */
export class Redactor {
  #forms: string[] = [];

  /** Also hides these from now on. Secrets shorter than 3 characters cannot be told apart from text. */
  add(secrets: readonly string[]): void {
    const forms = new Set(this.#forms);
    for (const secret of secrets) {
      if (secret.length < 3) continue;
      forms.add(secret);
      forms.add(encodeURIComponent(secret));
      forms.add(JSON.stringify(secret).slice(1, -1));
    }
    this.#forms = [...forms].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    return this.#forms.reduce((result, form) => result.split(form).join('***'), text);
  }
}
