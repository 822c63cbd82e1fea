// Alerts for new enquiries while the desk runs: a desktop notification
// (the browser asks the counsellor once) and, if chosen, a short tone made
// here with WebAudio (no sound file from anywhere). A notification says
// only that something is new: no case reference, no text, nothing an
// onlooker or the system's notification history could learn a case from.

/** askOnce asks for permission to notify, only while the browser has not
 * asked yet; call it from a click or key (browsers want a gesture). */
export function askOnce(): void {
  if (typeof Notification === "undefined" || Notification.permission !== "default") return;
  void Notification.requestPermission().catch(() => {});
}

/** notify shows title and body, if allowed; one notification replaces the
 * one before (tag), so a flood does not pile up. */
export function notify(title: string, body: string): void {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  try {
    const n = new Notification(title, { body, tag: "lotse-desk-new", silent: true });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // Some platforms allow notifications only from a service worker.
  }
}

let audio: AudioContext | undefined;

/** chime plays two soft notes, about half a second. */
export function chime(): void {
  try {
    audio ??= new AudioContext();
    const at = audio.currentTime;
    for (const [i, freq] of [660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      const start = at + i * 0.18;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.32);
    }
  } catch {
    // No audio device: the notification and the title still tell.
  }
}
