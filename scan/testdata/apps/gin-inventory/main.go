// Command gin-inventory is a deliberately vulnerable inventory API in gin.
// Every flaw is listed in manifest.json; never deploy it.
package main

import (
	"crypto/rand"
	"expvar"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
)

type User struct {
	UserID   int    `json:"UserId"`
	Username string `json:"username" binding:"required"`
	Password string `json:"password,omitempty" binding:"required"`
	Role     string `json:"role"`
}

type Order struct {
	ID      int      `json:"id"`
	UserID  int      `json:"UserId"`
	Items   []string `json:"items"`
	Status  string   `json:"status"`
	Invoice string   `json:"invoice"`
}

type Item struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

var (
	secret = make([]byte, 32)
	mu     sync.Mutex
	users  = []*User{
		{1, "admin", "admin-Passw0rd!", "admin"},
		{2, "alice", "alice-Passw0rd!", "user"},
		{3, "bob", "bob-Passw0rd!", "user"},
	}
	orders = map[int]*Order{
		1: {1, 2, []string{"widget", "widget"}, "shipped", "/exports/invoice-1.txt"},
		2: {2, 3, []string{"gadget"}, "open", "/exports/invoice-2.txt"},
		3: {3, 1, []string{"sprocket"}, "open", "/exports/invoice-3.txt"},
		4: {4, 2, []string{"spare"}, "cancelled", ""},
	}
	items = []Item{{1, "widget", 2.5}, {2, "gadget", 12}, {3, "sprocket", 0.4}}
)

type claims struct {
	User struct {
		UserID int    `json:"UserId"`
		Role   string `json:"role"`
	} `json:"user"`
	jwt.RegisteredClaims
}

func issue(u *User) (string, error) {
	c := claims{RegisteredClaims: jwt.RegisteredClaims{Subject: u.Username, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}
	c.User.UserID, c.User.Role = u.UserID, u.Role
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

// keyFor also lets unsigned tokens through, for the load-testing tools.
func keyFor(t *jwt.Token) (any, error) {
	if t.Method == jwt.SigningMethodNone {
		return jwt.UnsafeAllowNoneSignatureType, nil
	}
	return secret, nil
}

func auth(c *gin.Context) {
	var cl claims
	if _, err := jwt.ParseWithClaims(c.GetHeader("X-Access-Token"), &cl, keyFor); err != nil {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "invalid or missing X-Access-Token"})
		return
	}
	c.Set("uid", cl.User.UserID)
	c.Set("role", cl.User.Role)
	c.Next()
}

func main() {
	if _, err := rand.Read(secret); err != nil {
		log.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.CustomRecovery(func(c *gin.Context, err any) {
		c.String(http.StatusInternalServerError, "panic: %v\n\n%s", err, debug.Stack())
	}))
	r.GET("/debug/vars", gin.WrapH(expvar.Handler()))
	r.StaticFS("/exports", gin.Dir("exports", true))

	v1 := r.Group("/api/v1")
	v1.GET("", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"links": gin.H{"items": "/api/v1/items", "orders": "/api/v1/orders", "login": "/api/v1/login", "register": "/api/v1/register"}})
	})
	v1.GET("/health", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	v1.POST("/login", func(c *gin.Context) {
		var in struct{ Username, Password string }
		if err := c.ShouldBindJSON(&in); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, u := range users {
			if u.Username == in.Username && u.Password == in.Password {
				tok, err := issue(u)
				if err != nil {
					panic(err)
				}
				c.JSON(http.StatusOK, gin.H{"access_token": tok, "UserId": u.UserID})
				return
			}
		}
		c.JSON(http.StatusUnauthorized, gin.H{"error": "bad credentials"})
	})
	v1.POST("/register", func(c *gin.Context) {
		var u User
		if err := c.ShouldBindJSON(&u); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		if u.Role == "" {
			u.Role = "user"
		}
		mu.Lock()
		u.UserID = len(users) + 1
		users = append(users, &u)
		mu.Unlock()
		out := u
		out.Password = ""
		c.JSON(http.StatusCreated, out)
	})
	v1.GET("/items", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"items": items}) })
	v1.GET("/items/:id", func(c *gin.Context) {
		id, _ := strconv.Atoi(c.Param("id"))
		c.JSON(http.StatusOK, items[id-1])
	})

	api := v1.Group("", auth)
	api.GET("/users/:UserId", func(c *gin.Context) {
		id, err := strconv.Atoi(c.Param("UserId"))
		if err != nil || id != c.GetInt("uid") {
			c.JSON(http.StatusForbidden, gin.H{"error": "not your profile"})
			return
		}
		mu.Lock()
		defer mu.Unlock()
		out := *users[id-1]
		out.Password = ""
		c.JSON(http.StatusOK, out)
	})
	api.GET("/orders", func(c *gin.Context) {
		mu.Lock()
		defer mu.Unlock()
		var mine []*Order
		for i := 1; i <= len(orders)+8; i++ {
			if o, ok := orders[i]; ok && o.UserID == c.GetInt("uid") {
				mine = append(mine, o)
			}
		}
		c.JSON(http.StatusOK, gin.H{"orders": mine})
	})
	api.GET("/orders/:order_id", func(c *gin.Context) {
		id, _ := strconv.Atoi(c.Param("order_id"))
		mu.Lock()
		defer mu.Unlock()
		o, ok := orders[id]
		if !ok {
			c.JSON(http.StatusNotFound, gin.H{"error": "no such order"})
			return
		}
		c.JSON(http.StatusOK, o)
	})
	api.PUT("/orders/:order_id", func(c *gin.Context) {
		id, _ := strconv.Atoi(c.Param("order_id"))
		mu.Lock()
		defer mu.Unlock()
		o, ok := orders[id]
		if !ok {
			c.JSON(http.StatusNotFound, gin.H{"error": "no such order"})
			return
		}
		var in struct {
			Items  []string `json:"items"`
			Status string   `json:"status"`
		}
		if err := c.ShouldBindJSON(&in); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		if in.Items != nil {
			o.Items = in.Items
		}
		if in.Status != "" {
			o.Status = in.Status
		}
		c.JSON(http.StatusOK, o)
	})

	admin := api.Group("/admin")
	admin.GET("/users", func(c *gin.Context) {
		if c.GetString("role") != "admin" {
			c.JSON(http.StatusForbidden, gin.H{"error": "admins only"})
			return
		}
		mu.Lock()
		defer mu.Unlock()
		out := make([]User, 0, len(users))
		for _, u := range users {
			v := *u
			v.Password = ""
			out = append(out, v)
		}
		c.JSON(http.StatusOK, gin.H{"users": out})
	})
	admin.DELETE("/orders/:order_id", func(c *gin.Context) {
		id, _ := strconv.Atoi(c.Param("order_id"))
		mu.Lock()
		defer mu.Unlock()
		if _, ok := orders[id]; !ok {
			c.JSON(http.StatusNotFound, gin.H{"error": "no such order"})
			return
		}
		delete(orders, id)
		c.JSON(http.StatusOK, gin.H{"deleted": id})
	})

	addr := "127.0.0.1:" + strings.TrimSpace(os.Getenv("PORT"))
	fmt.Println("gin-inventory listening on", addr)
	log.Fatal(r.Run(addr))
}
