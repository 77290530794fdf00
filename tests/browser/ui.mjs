// What a person does with pgway's two browser UIs, in headless Chromium:
//
// 1. Swagger UI (`/docs/`): the tables are listed; open `GET /people`, "Try it out", fill in the
//    `age` and `order` filters, "Execute", and read the status and the response body shown.
// 2. GraphiQL (`/graphql`): type a query into the editor, press the run button, and read the
//    result shown.
//
// Usage: node tests/browser/ui.mjs BASE_URL SCREENSHOT_DIR   (CHROMIUM: the browser to run)
//
// Prints one JSON object of what the pages showed (tests/browser.rs checks it), and saves a
// screenshot of each step in SCREENSHOT_DIR. Exits with 1 and a message on stderr if a page
// does not get there.

import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { Browser } from "./cdp.mjs";

const [base, screenshots] = process.argv.slice(2);
if (!base || !screenshots) {
  console.error("usage: node tests/browser/ui.mjs BASE_URL SCREENSHOT_DIR");
  process.exit(2);
}

const GRAPHQL_QUERY = `{
  allClients(orderBy: NAME_ASC) {
    nodes {
      name
      projectsByClientId(orderBy: NAME_ASC) {
        nodes { name }
      }
    }
  }
}
`;

const browser = await Browser.launch(process.env.CHROMIUM || "/usr/bin/chromium");
// Each wait has its own limit; this one catches a browser that stops answering at all.
const watchdog = setTimeout(() => {
  console.error("the scenario took over 2 minutes");
  browser.child.kill("SIGKILL");
  process.exit(1);
}, 120_000);
try {
  const page = await browser.newPage();
  const swagger = await swaggerUi(page);
  const graphiql = await graphiQl(page);
  const origin = new URL(base).origin;
  const report = {
    swagger,
    graphiql,
    // Everything is served by pgway: no CDN, nothing from the network.
    offsite: page.requests.filter((url) => !url.startsWith(origin) && !url.startsWith("data:")),
    exceptions: page.exceptions,
  };
  console.log(JSON.stringify(report));
} catch (error) {
  console.error(error.stack ?? String(error));
  process.exitCode = 1;
} finally {
  await browser.close();
  clearTimeout(watchdog);
}

async function swaggerUi(page) {
  await page.goto(`${base}/docs/`);
  const tags = await page.waitFor(
    `(() => {
      const tags = [...document.querySelectorAll(".opblock-tag")].map((tag) => tag.dataset.tag);
      return tags.length > 0 ? tags : null;
    })()`,
    "the operations grouped by table",
  );
  const title = await page.evaluate(`document.querySelector(".info .title")?.firstChild?.textContent`);
  await save(page, "swagger-ui.png");

  const operation = "#operations-people-get_people";
  await page.click(`${operation} .opblock-summary-control`);
  await page.click(`${operation} .try-out__btn`);
  await page.click(`${operation} tr[data-param-name="age"] input`);
  await page.type("gte.18");
  await page.click(`${operation} tr[data-param-name="order"] input`);
  await page.type("age.desc");
  await page.click(`${operation} .btn.execute`);
  const response = await page.waitFor(
    `(() => {
      const row = document.querySelector("${operation} .live-responses-table .response");
      const body = row?.querySelector(".response-col_description .highlight-code code");
      if (!row || !body) return null;
      return {
        requestUrl: document.querySelector("${operation} .request-url pre").textContent,
        status: row.querySelector(".response-col_status").textContent.trim(),
        body: body.textContent,
      };
    })()`,
    "the response of Execute",
  );
  await page.evaluate(
    `document.querySelector("${operation} .responses-inner").scrollIntoView({ block: "start" })`,
  );
  await save(page, "swagger-ui-try-it-out.png");
  return { title, tags, ...response, body: JSON.parse(response.body) };
}

async function graphiQl(page) {
  await page.goto(`${base}/graphql`);
  const editor = ".graphiql-query-editor .CodeMirror";
  await page.waitFor(`!!document.querySelector("${editor}")`, "GraphiQL's query editor");
  await page.click(`${editor} .CodeMirror-lines`);
  await page.press("a", "KeyA", 2);
  await page.type(GRAPHQL_QUERY);
  const typed = await page.evaluate(`document.querySelector("${editor}").CodeMirror.getValue()`);
  await page.click(".graphiql-execute-button");
  const result = await page.waitFor(
    `(() => {
      const text = document.querySelector(".result-window .CodeMirror")?.CodeMirror.getValue();
      return text && text.trim().startsWith("{") ? text : null;
    })()`,
    "the query's result",
  );
  await save(page, "graphiql.png");
  return { typed, result: JSON.parse(result) };
}

async function save(page, name) {
  writeFileSync(join(screenshots, name), await page.screenshot());
}
