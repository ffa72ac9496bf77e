// techfeed reader: hash routes over the HTTP API, no framework, no build step.

const API = document.querySelector('meta[name="techfeed-api"]')?.content.replace(/\/$/, "") ?? "";
const TOKEN_KEY = "techfeed.token";
const USER_KEY = "techfeed.user";
const PAGE = 20;
const main = document.getElementById("main");
const dateFormat = new Intl.DateTimeFormat("ko-KR", { dateStyle: "medium", timeZone: "Asia/Seoul" });
const timeFormat = new Intl.DateTimeFormat("ko-KR", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "Asia/Seoul",
});
const STATUS = { ok: "정상", not_modified: "변경 없음", failed: "실패" };

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
const signedIn = () => Boolean(localStorage.getItem(TOKEN_KEY));

function signOut() {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(USER_KEY);
  bookmarked = null;
}

/** The company's mark: its initial on a colour derived from its id. */
function mark(sourceId, name) {
  let hue = 0;
  for (const ch of sourceId) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  const initial = (name.replace(/^[^\p{L}\p{N}]+/u, "")[0] ?? "?").toUpperCase();
  const el = h("span", { class: "mark", "aria-hidden": "true" }, initial);
  el.style.background = `hsl(${hue} 55% 35%)`; // through CSSOM: the CSP forbids style attributes
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

function card(item) {
  return h(
    "li",
    {},
    h(
      "article",
      { class: "card" },
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

// Bookmarked article ids, loaded once per sign-in for the article page's toggle.
let bookmarked = null;

async function bookmarkedIds() {
  if (bookmarked) return bookmarked;
  const ids = new Set();
  let cursor = null;
  do {
    const page = await api(`/me/bookmarks?${q({ limit: 100, cursor })}`, { auth: true });
    page.items.forEach((item) => ids.add(item.id));
    cursor = page.next_cursor;
  } while (cursor);
  bookmarked = ids;
  return ids;
}

async function bookmarkToggle(id) {
  if (!signedIn()) {
    return h("a", { class: "button", href: "#/bookmarks" }, "로그인하고 북마크하기");
  }
  const ids = await bookmarkedIds().catch(() => new Set());
  const button = h("button", { type: "button", "aria-pressed": String(ids.has(id)) });
  const label = () => {
    button.textContent = ids.has(id) ? "★ 북마크됨" : "☆ 북마크";
  };
  label();
  button.addEventListener("click", async () => {
    const adding = !ids.has(id);
    button.disabled = true;
    try {
      await api(`/me/bookmarks/${id}`, { method: adding ? "PUT" : "DELETE", auth: true });
      if (adding) ids.add(id);
      else ids.delete(id);
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
            "이 내용은 정보 제공만을 위해 보여 드리며 상업적으로 이용할 수 없습니다. ",
            "저작권은 원저작자에게 있으며, 전체 글은 ‘원문 보기’로 바로 읽을 수 있습니다."),
          h("div", { class: "actions" },
            original ? h("a", { class: "button primary", href: original, target: "_blank", rel: "noopener noreferrer" }, "원문 보기") : null,
            await bookmarkToggle(a.id)),
          content,
          keywordList(a.keywords),
          original ? h("p", {}, h("a", { href: original, target: "_blank", rel: "noopener noreferrer" }, "원문 보기 →")) : null),
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
        home ? h("p", {}, h("a", { href: home, target: "_blank", rel: "noopener noreferrer" }, "블로그 홈")) : null,
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
    if (!signedIn()) return ["북마크", [heading("북마크"), signInForm()]];
    const out = h("button", { type: "button", onclick: () => { signOut(); route(); } }, "로그아웃");
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

function signInForm() {
  const input = h("input", { id: "user", name: "user", required: true, autocomplete: "username", pattern: "[A-Za-z0-9_.@-]+" });
  const message = h("p", { role: "status" });
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
      localStorage.setItem(TOKEN_KEY, body.token);
      localStorage.setItem(USER_KEY, input.value.trim());
      bookmarked = null;
      route();
    } catch (error) {
      message.textContent = error.message;
      message.className = "error";
    }
  });
  return h("div", {}, h("p", {}, "북마크를 보려면 로그인하세요."), form, message);
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
  main.querySelector("h1")?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

window.addEventListener("hashchange", route);
route();
