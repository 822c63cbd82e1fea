// A desk button that asks counsel for something: it is off while the
// request runs, so a second click sends nothing twice, and a failure is
// said in the message next to it.

/** busy disables button while work runs and writes the text of its error,
 * if any, to msg; it tells whether work succeeded. */
export async function busy(
  button: { disabled: boolean },
  msg: { textContent: string | null },
  errorText: (err: unknown) => string,
  work: () => Promise<void>,
): Promise<boolean> {
  button.disabled = true;
  try {
    await work();
    return true;
  } catch (err) {
    msg.textContent = errorText(err);
    return false;
  } finally {
    button.disabled = false;
  }
}
