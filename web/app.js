// techfeed reader: hash routes over the HTTP API, no framework, no build step.
// Settings come at run time from config.json beside index.html: `techfeed run` serves one for
// same-origin dev sign-in, tools/publish-web.sh writes one from the stack's outputs.

const TOKEN_KEY = "techfeed.token";
const USER_KEY = "techfeed.user";
const PKCE_KEY = "techfeed.pkce";
const PAGE = 20;
// The API has no per-article bookmark lookup, so the toggle knows the newest bookmarks only.
const main = document.getElementById("main");
const dateFormat = new Intl.DateTimeFormat("ko-KR", { dateStyle: "medium", timeZone: "Asia/Seoul" });
const timeFormat = new Intl.DateTimeFormat("ko-KR", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "Asia/Seoul",
});
const STATUS = { ok: "정상", not_modified: "변경 없음", failed: "실패" };

let API = "";
let AUTH = { kind: "none" };
let signInProblem = null; // why the last hosted-UI sign-in failed, shown once on the bookmarks screen

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Calls the API; answers the parsed JSON (or null for 204). */
async function api(path, { method = "GET", auth = false } = {}) {
  const headers = { Accept: "application/json" };
  if (auth) headers.Authorization = `Bearer ${localStorage.getItem(TOKEN_KEY)}`;
  let response;
  try {
    response = await fetch(API + path, { method, headers });
  } catch {
    throw new ApiError(0, "서버에 연결할 수 없습니다.");
  }
  if (response.status === 401 && auth) signOut();
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new ApiError(response.status, body?.error?.message ?? `요청 실패 (${response.status})`);
  }
  return response.status === 204 ? null : response.json();
}

/** Builds an element; strings become text nodes, so API text is never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return el;
}

/** Only web links leave the app (a feed could carry a javascript: URL). */
function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

const formatDate = (iso) => (iso ? dateFormat.format(new Date(iso)) : "");
const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();

/** A JWT's claims, unverified: only for what the app shows and for expiry (the API verifies). */
function claims(token) {
  try {
    const text = atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

function signedIn() {
  const token = localStorage.getItem(TOKEN_KEY);
  return Boolean(token) && (claims(token).exp ?? Infinity) * 1000 > Date.now();
}

function signOut() {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(USER_KEY);
}

function keepSession(token, user) {
  localStorage.setItem(TOKEN_KEY, token);
  localStorage.setItem(USER_KEY, user);
}

// ------------------------------------------------------------ Cognito hosted UI (code + PKCE)

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const randomText = (size) => base64url(crypto.getRandomValues(new Uint8Array(size)));

/** Off to the hosted UI; the verifier and state wait in this tab's sessionStorage. */
async function startHostedSignIn() {
  const verifier = randomText(48);
  const state = randomText(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, back: location.hash }));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const params = new URLSearchParams({
    response_type: "code",
    client_id: AUTH.client_id,
    redirect_uri: AUTH.redirect_uri,
    scope: "openid email",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  location.assign(`${AUTH.domain}/oauth2/authorize?${params}`);
}

/** Back from the hosted UI with ?code&state: check the state, trade the code for tokens. */
async function finishHostedSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? "null");
  sessionStorage.removeItem(PKCE_KEY);
  // Only an answer to the request this tab made counts (no login CSRF, no injected code).
  const ours = saved !== null && params.get("state") === saved.state;
  const failed = !ours || params.has("error");
  // The code is single-use: off the address bar (and history) before anything else.
  history.replaceState(null, "", location.pathname + (failed || !saved.back ? "#/bookmarks" : saved.back));
  if (!ours) throw new Error("로그인 요청을 확인할 수 없습니다. 다시 로그인하세요.");
  if (failed) throw new Error(`로그인 실패: ${params.get("error_description") ?? params.get("error")}`);
  const response = await fetch(`${AUTH.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: AUTH.client_id,
      code: params.get("code"),
      redirect_uri: AUTH.redirect_uri,
      code_verifier: saved.verifier,
    }),
  }).catch(() => null);
  const tokens = await response?.json().catch(() => null);
  if (!response?.ok || !tokens?.access_token) {
    throw new Error(`로그인 실패: ${tokens?.error ?? "토큰을 받지 못했습니다."}`);
  }
  // The access token goes to the API: the JWT authorizer matches its client_id claim against
  // the audience (the user pool client), and access tokens are what an API should accept.
  // The id token only names the reader on screen.
  const who = claims(tokens.id_token ?? "");
  keepSession(tokens.access_token, who.email ?? who["cognito:username"] ?? "");
}

function signOutEverywhere() {
  signOut();
  if (AUTH.kind !== "cognito") return route();
  const params = new URLSearchParams({ client_id: AUTH.client_id, logout_uri: AUTH.redirect_uri });
  location.assign(`${AUTH.domain}/logout?${params}`);
}

// ------------------------------------------------------------ building blocks

/** The company's mark: its initial on a colour derived from its id (sources have no logo). */
function mark(sourceId, name) {
  let hue = 0;
  for (const ch of sourceId) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  const initial = (name.replace(/^[^\p{L}\p{N}]+/u, "")[0] ?? "?").toUpperCase();
  const el = h("span", { class: "mark", "aria-hidden": "true" }, initial);
  // Dark enough for white text at 4.5:1 on every hue; through CSSOM, as the CSP forbids style attributes.
  el.style.background = `hsl(${hue} 55% 28%)`;
  return el;
}

function keywordList(keywords) {
  if (!keywords?.length) return null;
  return h(
    "ul",
    { class: "tags", "aria-label": "키워드" },
    keywords.map((k) => h("li", {}, h("a", { href: `#/keywords/${encodeURIComponent(k)}` }, `#${k}`))),
  );
}

/** The lead image: decorative beside the title it illustrates (alt=""), in a box sized before it loads. */
function leadImage(url) {
  const src = safeUrl(url);
  if (!src) return null;
  return h("img", {
    class: "lead",
    src,
    alt: "",
    width: "382",
    height: "200",
    loading: "lazy",
    decoding: "async",
    referrerpolicy: "no-referrer",
    onerror: (event) => {
      event.target.closest(".card")?.classList.remove("has-image");
      event.target.remove();
    },
  });
}

function card(item) {
  const image = leadImage(item.image);
  return h(
    "li",
    {},
    h(
      "article",
      { class: image ? "card has-image" : "card" },
      image,
      h(
        "div",
        {},
        h(
          "div",
          { class: "byline" },
          mark(item.source, item.source_name),
          h("a", { href: `#/companies/${item.source}` }, item.source_name),
          h("span", { "aria-hidden": "true" }, "·"),
          h("time", { datetime: item.published_at }, formatDate(item.published_at)),
        ),
        h("h2", {}, h("a", { href: `#/articles/${item.id}` }, item.title)),
        item.summary ? h("p", {}, item.summary) : null,
        keywordList(item.keywords),
      ),
    ),
  );
}

/** A list that loads the next page when its end scrolls into view, or on "더 보기". */
function pagedList(load, empty) {
  const list = h("ul", { class: "cards" });
  const status = h("p", { class: "muted", role: "status" });
  const button = h("button", { type: "button", hidden: true }, "더 보기");
  let cursor = null;
  let busy = false;
  let done = false;
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) more();
  });
  async function more() {
    if (busy || done) return;
    busy = true;
    button.disabled = true;
    status.textContent = "불러오는 중…";
    status.className = "muted";
    observer.disconnect();
    try {
      const page = await load(cursor);
      list.append(...page.items.map(card));
      if (!cursor) performance.mark("techfeed:first-page"); // read by the slow-phone test
      cursor = page.next_cursor;
      done = !cursor;
      status.textContent = done ? (list.children.length ? "마지막 글입니다." : empty) : "";
      // Observing afresh reports the footer again if it is still in view (a tall screen).
      if (!done) observer.observe(footer);
    } catch (error) {
      // Only the button retries, so a failing API is not called in a loop.
      status.textContent = error.message;
      status.className = "error";
    } finally {
      busy = false;
      button.disabled = false;
      button.hidden = done;
    }
  }
  button.addEventListener("click", more);
  const footer = h("div", { class: "more" }, status, button);
  more();
  return h("div", {}, list, footer);
}

function articleFeed(filters) {
  return pagedList(
    (cursor) => api(`/articles?${q({ ...filters, limit: PAGE, cursor })}`),
    "아직 글이 없습니다.",
  );
}

function heading(text) {
  return h("h1", { tabindex: "-1" }, text);
}

/** Whether the signed-in reader bookmarked an article: one GET, a 404 meaning no. */
async function isBookmarked(id) {
  try {
    await api(`/me/bookmarks/${id}`, { auth: true });
    return true;
  } catch (error) {
    if (error.status === 404) return false;
    throw error;
  }
}

async function bookmarkToggle(id) {
  if (!signedIn()) {
    return h("a", { class: "button", href: "#/bookmarks" }, "로그인하고 북마크하기");
  }
  let marked = await isBookmarked(id).catch(() => false);
  const button = h("button", { type: "button", "aria-pressed": String(marked) });
  const label = () => {
    button.textContent = marked ? "★ 북마크됨" : "☆ 북마크";
  };
  label();
  button.addEventListener("click", async () => {
    const adding = !marked;
    button.disabled = true;
    try {
      await api(`/me/bookmarks/${id}`, { method: adding ? "PUT" : "DELETE", auth: true });
      marked = adding;
      button.setAttribute("aria-pressed", String(adding));
      label();
    } catch (error) {
      button.textContent = `북마크 실패: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function describeImages(root) {
  for (const img of root.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) img.alt = "본문 이미지";
    img.loading = "lazy";
  }
  for (const link of root.querySelectorAll("a[href]")) {
    link.target = "_blank";
    link.rel = "noopener noreferrer";
  }
}

const newTab = (href, text, attrs = {}) =>
  h("a", { ...attrs, href, target: "_blank", rel: "noopener noreferrer" }, text);

// ------------------------------------------------------------ screens

const screens = {
  async home() {
    return ["피드", [heading("전체 피드"), articleFeed({})]];
  },

  async article(id) {
    const a = await api(`/articles/${encodeURIComponent(id)}`);
    const original = safeUrl(a.url);
    const content = h("div", { class: "content" });
    // content_html is sanitized by the API; the page's CSP blocks scripts regardless.
    content.innerHTML = a.content_html;
    describeImages(content);
    // The API says nothing of a partial body; an empty one is all the app can tell.
    const shown = Boolean(content.textContent.trim() || content.querySelector("img"));
    if (!shown) content.append(h("p", { class: "muted" }, a.summary || "본문을 가져오지 못했습니다."));
    const back = h("a", { href: "#/", onclick: goBack }, "← 뒤로");
    return [
      a.title,
      [
        h("p", { class: "back" }, back),
        h("article", {},
          heading(a.title),
          h("p", { class: "byline" }, mark(a.source, a.source_name),
            h("a", { href: `#/companies/${a.source}` }, a.source_name),
            h("span", { "aria-hidden": "true" }, "|"),
            h("time", { datetime: a.published_at }, formatDate(a.published_at)),
            a.author ? h("span", {}, `· ${a.author}`) : null),
          h("p", { class: "notice", role: "note" },
            "이 내용은 정보 제공만을 위해 보여 드리며 상업적으로 이용할 수 없습니다. 저작권은 원저작자에게 있습니다.",
            shown ? null : " 여기서는 전문을 보여 드리지 못하니, 전체 글은 ‘원문 보기’로 바로 읽으세요."),
          h("div", { class: "actions" },
            original ? newTab(original, "원문 보기", { class: "button primary" }) : null,
            await bookmarkToggle(a.id)),
          content,
          keywordList(a.keywords),
          original ? h("p", {}, newTab(original, "원문 보기 →")) : null),
        a.related?.length
          ? h("section", { "aria-labelledby": "related" },
              h("h2", { id: "related" }, "관련 글"),
              h("ul", { class: "cards" }, a.related.map(card)))
          : null,
      ],
    ];
  },

  async companies() {
    const { items } = await api("/sources");
    return [
      "회사",
      [
        heading("회사"),
        h("ul", { class: "rows" }, items.map((s) =>
          h("li", {}, h("a", { class: "row", href: `#/companies/${s.id}` },
            h("span", { class: "byline" }, mark(s.id, s.name), s.name),
            h("span", { class: "muted" }, `글 ${s.article_count}개`))))),
      ],
    ];
  },

  async company(id) {
    const { items } = await api("/sources");
    const source = items.find((s) => s.id === id);
    if (!source) throw new ApiError(404, "없는 회사입니다.");
    const home = safeUrl(source.homepage);
    return [
      source.name,
      [
        h("p", { class: "back" }, h("a", { href: "#/companies" }, "← 회사 목록")),
        heading(source.name),
        home ? h("p", {}, newTab(home, "블로그 홈")) : null,
        articleFeed({ source: id }),
      ],
    ];
  },

  async keywords() {
    const { items } = await api("/keywords?limit=50");
    return [
      "키워드",
      [
        heading("인기 키워드"),
        items.length
          ? h("ul", { class: "tags" }, items.map((k) =>
              h("li", {}, h("a", { href: `#/keywords/${encodeURIComponent(k.keyword)}` },
                `#${k.keyword}`, h("span", { class: "count" }, String(k.count))))))
          : h("p", { class: "muted" }, "아직 키워드가 없습니다."),
      ],
    ];
  },

  async keyword(name) {
    return [
      `#${name}`,
      [
        h("p", { class: "back" }, h("a", { href: "#/keywords" }, "← 키워드 목록")),
        heading(`#${name}`),
        articleFeed({ keyword: name }),
      ],
    ];
  },

  async bookmarks() {
    if (!signedIn()) return ["북마크", [heading("북마크"), signInPanel()]];
    const out = h("button", { type: "button", onclick: signOutEverywhere }, "로그아웃");
    return [
      "북마크",
      [
        heading("북마크"),
        h("p", { class: "muted" }, `${localStorage.getItem(USER_KEY)} 님으로 로그인됨 `, out),
        pagedList(
          (cursor) => api(`/me/bookmarks?${q({ limit: PAGE, cursor })}`, { auth: true }),
          "북마크한 글이 없습니다.",
        ),
      ],
    ];
  },

  async status() {
    const { items } = await api("/sources");
    return [
      "수집 상태",
      [
        heading("수집 상태"),
        h("ul", { class: "rows" }, items.map((s) => {
          const crawl = s.last_crawl;
          return h("li", { class: "source-status", "data-source": s.id },
            h("strong", {}, s.name),
            h("div", {},
              crawl
                ? [h("span", { class: `status-${crawl.status === "failed" ? "failed" : "ok"}` }, STATUS[crawl.status] ?? crawl.status),
                   h("span", { class: "muted" }, ` · ${timeFormat.format(new Date(crawl.at))} · 글 ${s.article_count}개`)]
                : h("span", { class: "muted" }, "아직 수집하지 않음")),
            crawl?.error ? h("p", { class: "status-error" }, crawl.error) : null);
        })),
      ],
    ];
  },
};

function signInPanel() {
  const message = h("p", { role: "status", class: "error" }, signInProblem);
  signInProblem = null;
  const intro = h("p", {}, "북마크를 보려면 로그인하세요.");
  if (AUTH.kind === "cognito") {
    const start = () => startHostedSignIn().catch((error) => { message.textContent = error.message; });
    return h("div", {}, intro, h("button", { class: "primary", type: "button", onclick: start }, "로그인"), message);
  }
  if (AUTH.kind !== "dev") return h("p", { class: "muted" }, "이 사이트에서는 로그인을 쓸 수 없습니다.");
  const input = h("input", { id: "user", name: "user", required: true, autocomplete: "username", pattern: "[A-Za-z0-9_.@-]+" });
  const form = h("form", { class: "signin" },
    h("label", { for: "user" }, "사용자 이름", input),
    h("button", { class: "primary", type: "submit" }, "개발용 로그인"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const response = await fetch(`${API}/dev/token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: input.value.trim() }),
      });
      if (response.status === 404) throw new Error("이 환경에서는 개발용 로그인을 쓸 수 없습니다.");
      const body = await response.json();
      if (!response.ok) throw new Error(body?.error?.message ?? "로그인 실패");
      keepSession(body.token, input.value.trim());
      route();
    } catch (error) {
      message.textContent = error.message;
    }
  });
  return h("div", {}, intro, form, message);
}

function goBack(event) {
  if (history.length > 1) {
    event.preventDefault();
    history.back();
  }
}

/** #/path/segments -> [screen, argument, nav tab]. */
function parse(hash) {
  const [name, ...rest] = hash.replace(/^#\/?/, "").split("/");
  const arg = rest.length ? decodeURIComponent(rest.join("/")) : null;
  const table = {
    "": ["home", null, "home"],
    articles: arg ? ["article", arg, "home"] : ["home", null, "home"],
    companies: [arg ? "company" : "companies", arg, "companies"],
    keywords: [arg ? "keyword" : "keywords", arg, "keywords"],
    bookmarks: ["bookmarks", null, "bookmarks"],
    status: ["status", null, "status"],
  };
  return table[name] ?? ["home", null, "home"];
}

let generation = 0;
let navigated = false;

async function route() {
  const [screen, arg, tab] = parse(location.hash);
  const mine = ++generation;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  main.replaceChildren(h("p", { class: "muted", role: "status" }, "불러오는 중…"));
  let title;
  let nodes;
  try {
    [title, nodes] = await screens[screen](arg);
  } catch (error) {
    title = "오류";
    nodes = [
      heading(error.status === 404 ? "찾을 수 없습니다" : "문제가 생겼습니다"),
      h("p", { class: "error" }, error.message),
      h("button", { type: "button", onclick: route }, "다시 시도"),
    ];
  }
  if (mine !== generation) return; // a newer navigation won
  document.title = `${title} · techfeed`;
  main.replaceChildren(...nodes.filter(Boolean));
  // After a navigation, not on arrival: the page starts at the top, its skip link first.
  if (navigated) main.querySelector("h1")?.focus({ preventScroll: true });
  navigated = true;
  window.scrollTo(0, 0);
}

async function start() {
  // A plain #main link would be taken for a route.
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  try {
    // Preloaded by index.html, so this costs no round trip of its own.
    const response = await fetch("config.json");
    if (!response.ok) throw new Error(`config.json ${response.status}`);
    const config = await response.json();
    API = (config.api ?? "").replace(/\/$/, "");
    AUTH = config.auth ?? AUTH;
  } catch (error) {
    main.replaceChildren(h("p", { class: "error" }, `설정을 읽을 수 없습니다: ${error.message}`));
    return;
  }
  if (AUTH.kind === "cognito") await finishHostedSignIn().catch((error) => { signInProblem = error.message; });
  window.addEventListener("hashchange", route);
  route();
}

start();
