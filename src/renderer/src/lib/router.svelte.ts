import { parseRoute, type Route } from './routes';

/** The current hash route, reactive; `navigate` changes the hash (back/forward work as usual). */
class Router {
  route = $state<Route>(parseRoute(window.location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseRoute(window.location.hash);
    });
  }

  navigate(hash: string): void {
    if (window.location.hash === hash) this.route = parseRoute(hash);
    else window.location.hash = hash;
  }
}

export const router = new Router();
