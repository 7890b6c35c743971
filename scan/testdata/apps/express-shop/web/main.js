// The shop's front-end bundle, reduced to the services that call the API.
const host = ''
export class ProductService {
  constructor (http) { this.http = http }
  search (q) { return this.http.get(host + '/rest/products/search?q=' + encodeURIComponent(q)) }
  find () { return this.http.get(host + '/api/Products') }
  get (id) { return this.http.get(host + '/api/Products/' + id) }
}
export class UserService {
  constructor (http) { this.http = http }
  login (params) { return this.http.post(host + '/rest/user/login', params) }
  save (params) { return this.http.post(host + '/api/Users', params) }
  whoAmI () { return this.http.get(host + '/rest/user/whoami') }
  get (id) { return this.http.get(host + '/api/Users/' + id) }
  put (id, params) { return this.http.put(host + '/api/Users/' + id, params) }
}
export class BasketService {
  constructor (http) { this.http = http }
  find (bid) { return this.http.get(host + '/rest/basket/' + bid) }
}
export class AboutComponent {
  legalUrl () { return host + '/ftp/legal.md' }
}
export class AdministrationService {
  constructor (http) { this.http = http }
  getApplicationVersion () { return this.http.get(host + '/rest/admin/application-version') }
  getUsers () { return this.http.get(host + '/rest/admin/users') }
}
