package server

import (
	"net/http"
	"strconv"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/password"
)

// passwordRequest is the body of POST /api/v1/me/password.
type passwordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// changePassword checks the current password and sets the new one; every
// session of the member ends, and a new one is opened for this device.
func (s *Server) changePassword(r *http.Request, current, next string) (string, error) {
	m := memberOf(r.Context()).member
	if !s.limiter.allow(clientIP(r), "member:"+strconv.FormatInt(int64(m.ID), 10)) {
		return "", errTooManyLogins
	}
	_, hash, err := s.Store.Credentials(r.Context(), m.Email)
	if err != nil || !password.Check(hash, current) {
		return "", kori.Errorf(kori.EINVALID, "the current password is wrong")
	}
	if len(next) < password.MinLength {
		return "", kori.Errorf(kori.EINVALID, "the new password must be at least %d characters", password.MinLength)
	}
	newHash, err := password.Hash(next)
	if err != nil {
		return "", err
	}
	if err := s.Store.SetPassword(r.Context(), m.ID, newHash); err != nil {
		return "", err
	}
	return s.openSession(r, m.ID)
}

func (s *Server) postAPIPassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	token, err := s.changePassword(r, in.Current, in.New)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: token, ExpiresAt: s.Clock.Now().Add(SessionTTL).UTC()})
	return nil
}

func (s *Server) postPassword(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	token, err := s.changePassword(r, r.PostFormValue("current"), r.PostFormValue("new"))
	if err != nil {
		if kori.ErrorCode(err) == kori.EINVALID {
			http.Redirect(w, r, "/me/data?password=bad#password", http.StatusSeeOther)
			return nil
		}
		return err
	}
	setCookie(w, r, sessionCookie, token, SessionTTL, true)
	http.Redirect(w, r, "/me/data?password=changed#password", http.StatusSeeOther)
	return nil
}
