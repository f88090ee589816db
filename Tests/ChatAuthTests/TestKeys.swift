/// A throwaway 2048-bit RSA key, generated for these tests only, used to sign RS256 tokens the verifier must reject.
/// It protects nothing.
enum TestKeys {
    static let rsaPrivateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDH12kTU9qJFGWX
        oy9bfwZYoGa9rOjzawULgAYbLFKejin0MrQe1jiHTqn+TGvFGTER1YZbjAj10trB
        DCPms2lIu+hERnePiDc9lMClQ4b+Z5crLY1SgYseH1vyiMDDxqIqsSCKhNAOmVEg
        aaHQRuW4/1X9WTJQKXUKG4SUQzMr2r8CwV+UF+VIk7Qg7kFAHh2C6gxTBNQeZk6R
        cS8OIfMNheU7+5r/+t7iIjeW7rx+DKPoLVbIjm09F+ffcvXqO9r1F0x8n2uITnoH
        yi2SqoJgXJp1R7PCBDY1BMwLmiF/HWFVkuwo4PUpPaC9pleWgoPx1BNE5nio/ct+
        HSCissWrAgMBAAECggEATnTuDkX6Ap5M4lMROSEuGyZiH65eSI6oDONGwm1MxG34
        36P2XjLpP4ntKGbVWqywvJkxZgiczfHpqye6gozGVWVcY02tC99FHLqlRVy1B3Ug
        /rUkChPMy9cw8I+q6lG2Af/HUEqjKlAb7xc5jX0AHHi2SEA4Bgu4pO63xsN5OAo3
        wuP0JAvetGl4Kv2D0AOuLQOa7iw1v4njLBPpQ+ocRzRhIEtjfQNGkeLjeaKqm11F
        YO3S1RSMfr1CJc13ucWBo9iE9NnMLr6JO+1fVywUXH9OHB0Gyh2N/qOGXpDKI8ko
        1JE5R9P5NLUsDCkS+jHSUEPQ5BlxH89mif5GNnc8ZQKBgQDxMWqQyQvYAMDFe6dL
        XtQCXEPtdvQj9qw1uE5KgJm1npYYgGRkoDa4xAUsb3ieB95kcm4+Crw3VR2RQlvq
        kYub9JYviScU0cncDrj0enfRDbspOV2S8FFqHM7a+iWmu5QSUM0G0tvuMJsrENgS
        ze5/1hUDPz1KBHLLFeyK2jrNdQKBgQDUHB0auBU5FMfJrEzCE6jlCGTmqUA2pv8s
        7pO2sQx77JCMW1ADxWO1/kKPZ6e+2t9dT9sqwuREunIX+tg3g/8/UmN3DTPOGT8V
        g3ne+FCqbAK1jyl+XpZYVpR7vF5rSU6Ci7R153ioLxSVtatwQYNwl/8bZ8a16TSU
        jHVLosFCnwKBgARj+uWh00ZeVSQDKTt1AXT9ivsCpFUXQ3FC5qHyj1nABklx5OH0
        DKr2XoW9jbuKtyCq+JjGh0CWmxAu3g96EMmI/UbmP0DgxMTtu64voIi8sECC29I1
        77V3ysgvr4nGdl6S+/h41CoU1m5FQzmsaAAJvJ4vg4UaaaCKyKCKcnGVAoGBAMZC
        yQmSi3PhcqWVgeHekn4SjI32Ielzywzqq/OWJj8nbi1jpLUBqiQQ15JHp0oEN8h2
        vjuIE+oSBFdZxwSNQuajUgmTs5qvioHHdQDvRicl8ppWiMhwDUPhGcVW20KZMONh
        Rnr2s5cw+qK9PtQcyIlT6cZqCBk9NEKtz221YcOtAoGBAMZyI00+fnYLyAjrTnYR
        0aA6krwA35qcMdRYawbJUPQh8MQJFsg9lLbTaUoAfkdTdC5I8I8vsK/L3y4fX09S
        NpZ0et464G1c010eCwLY8OJsh6FJeqrpBRzLYLnow8PwdmMUGull8D9/YUr+hL0+
        dniUlRfJFZTkn6XIOPPxVg4+
        -----END PRIVATE KEY-----
        """
}
