// A headless Chromium driven over the Chrome DevTools Protocol, with no npm dependencies.
//
// Chromium is started with --remote-debugging-pipe: it reads protocol messages from file
// descriptor 3 and writes them to file descriptor 4, each a JSON text ending in a NUL byte. So no
// port is opened and no WebSocket client is needed (Node 20 has none without a flag). `Page`
// wraps one tab with what a person does: open a URL, wait for something to show, click, type,
// take a screenshot. Clicks and typing are real input events at the element's position, so the
// page's own handlers run as they would for a person.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-dev-shm-usage",
  "--remote-debugging-pipe",
];

export const VIEWPORT = { width: 1280, height: 900 };

/// How long one wait may take before the scenario fails.
const WAIT_MS = 30_000;

export class Browser {
  /// Starts `executable` with a fresh profile directory, removed by `close`.
  static async launch(executable) {
    const profile = mkdtempSync(join(tmpdir(), "pgway-chromium-"));
    const child = spawn(
      executable,
      [...FLAGS, `--user-data-dir=${profile}`, `--window-size=${VIEWPORT.width},${VIEWPORT.height}`, "about:blank"],
      { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
    );
    const browser = new Browser(child, profile);
    await browser.send("Target.setDiscoverTargets", { discover: true });
    return browser;
  }

  constructor(child, profile) {
    this.child = child;
    this.profile = profile;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.stderr = "";
    this.exited = false;
    child.stderr.on("data", (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    child.on("exit", (code, signal) => {
      this.exited = true;
      const error = new Error(`chromium exited (${code ?? signal}): ${this.stderr}`);
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    });
    let buffer = Buffer.alloc(0);
    child.stdio[4].on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      let end;
      while ((end = buffer.indexOf(0)) >= 0) {
        this.receive(JSON.parse(buffer.subarray(0, end).toString("utf8")));
        buffer = buffer.subarray(end + 1);
      }
    });
  }

  receive(message) {
    if (message.id !== undefined) {
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
      else call.resolve(message.result);
      return;
    }
    for (const listener of this.listeners) listener(message);
  }

  /// Calls a protocol method, in a tab's session when `sessionId` is given.
  send(method, params = {}, sessionId) {
    if (this.exited) return Promise.reject(new Error(`chromium is gone: ${this.stderr}`));
    const id = this.nextId++;
    const message = { id, method, params, ...(sessionId && { sessionId }) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.child.stdio[3].write(JSON.stringify(message) + "\0");
    });
  }

  on(listener) {
    this.listeners.push(listener);
  }

  /// A new tab of `VIEWPORT`'s size, recording every request it makes.
  async newPage() {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId);
    for (const domain of ["Page", "Runtime", "Network"]) await page.send(`${domain}.enable`);
    await page.send("Emulation.setDeviceMetricsOverride", {
      ...VIEWPORT,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return page;
  }

  async close() {
    if (!this.exited) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.send("Browser.close").catch(() => {});
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  constructor(browser, sessionId) {
    this.browser = browser;
    this.sessionId = sessionId;
    /// Every URL the tab requested, and the page's uncaught exceptions.
    this.requests = [];
    this.exceptions = [];
    this.loaded = null;
    browser.on((message) => {
      if (message.sessionId !== sessionId) return;
      switch (message.method) {
        case "Network.requestWillBeSent":
          this.requests.push(message.params.request.url);
          break;
        case "Runtime.exceptionThrown":
          this.exceptions.push(message.params.exceptionDetails.exception?.description ?? message.params.exceptionDetails.text);
          break;
        case "Page.loadEventFired":
          this.loaded?.();
          break;
      }
    });
  }

  send(method, params) {
    return this.browser.send(method, params, this.sessionId);
  }

  /// Opens `url` and waits for its load event.
  async goto(url) {
    const loaded = new Promise((resolve) => (this.loaded = resolve));
    const { errorText } = await this.send("Page.navigate", { url });
    if (errorText) throw new Error(`cannot open ${url}: ${errorText}`);
    await withTimeout(loaded, `the load event of ${url}`);
  }

  /// The value of a JavaScript expression evaluated in the page (awaited if a promise).
  async evaluate(expression) {
    const { result, exceptionDetails } = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (exceptionDetails) {
      throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    }
    return result.value;
  }

  /// Polls `expression` until it is truthy, and returns its value; `what` names it in a failure.
  async waitFor(expression, what) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const value = await this.evaluate(expression);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${expression})`);
      await sleep(100);
    }
  }

  /// Scrolls the first element matching `selector` into view and clicks its centre.
  async click(selector) {
    const box = await this.waitFor(
      `(() => {
        const element = document.querySelector(${JSON.stringify(selector)});
        if (!element) return null;
        element.scrollIntoView({ block: "center" });
        const { x, y, width, height } = element.getBoundingClientRect();
        return width > 0 && height > 0 ? { x: x + width / 2, y: y + height / 2 } : null;
      })()`,
      `a visible ${selector}`,
    );
    const mouse = { x: box.x, y: box.y, button: "left", clickCount: 1 };
    await this.send("Input.dispatchMouseEvent", { ...mouse, type: "mouseMoved", button: "none" });
    await this.send("Input.dispatchMouseEvent", { ...mouse, type: "mousePressed" });
    await this.send("Input.dispatchMouseEvent", { ...mouse, type: "mouseReleased" });
  }

  /// Types `text` where the focus is, as a keyboard would insert it.
  async type(text) {
    await this.send("Input.insertText", { text });
  }

  /// Presses one key with `modifiers` (1 Alt, 2 Ctrl, 4 Meta, 8 Shift), e.g. ("a", 2) selects all.
  async press(key, code, modifiers = 0) {
    const event = { key, code, modifiers, windowsVirtualKeyCode: key.toUpperCase().charCodeAt(0) };
    await this.send("Input.dispatchKeyEvent", { ...event, type: "rawKeyDown" });
    await this.send("Input.dispatchKeyEvent", { ...event, type: "keyUp" });
  }

  /// A PNG of the viewport.
  async screenshot() {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" });
    return Buffer.from(data, "base64");
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
