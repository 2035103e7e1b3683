/**
 * The answers of a pure function, by a text key: at most `kept` of them, all forgotten at once when full (the hot
 * keys come back at once). For the Intl calls every answer makes many times over with the same few inputs.
 */
export class Remembered<V> {
  private readonly answers = new Map<string, V>();

  constructor(private readonly kept: number) {}

  of(key: string, compute: () => V): V {
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = compute();
      if (this.answers.size >= this.kept) this.answers.clear();
      this.answers.set(key, answer);
    }
    return answer;
  }
}
