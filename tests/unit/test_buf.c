/* test_buf.c — the growable buffer shared by the library and the CLIs
 * (index/common/buf.h): appends, the C-string view, the cap. */
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "nsearch.h"
#include "nstest.h"

static void appends_keep_a_c_string(void)
{
    nsi_buf b = {0};
    CHECK(b.data == NULL && b.str == NULL);
    CHECK_EQ_INT(nsi_buf_puts(&b, "abc"), NS_OK);
    CHECK_EQ_INT(b.len, 3);
    CHECK_EQ_STR(b.str, "abc");
    CHECK((void *)b.str == (void *)b.data);
    CHECK_EQ_INT(nsi_buf_putc(&b, 'd'), NS_OK);
    CHECK_EQ_STR(b.str, "abcd");
    CHECK_EQ_INT(nsi_buf_append(&b, "ef", 2), NS_OK);
    CHECK_EQ_STR(b.str, "abcdef");
    CHECK_EQ_INT(nsi_buf_put_varint(&b, 300), NS_OK); /* AC 02 */
    CHECK_EQ_INT(b.len, 8);
    CHECK(b.data[6] == 0xAC && b.data[7] == 0x02 && b.data[8] == 0);
    CHECK_EQ_INT(nsi_buf_put_u32le(&b, 0x44434241), NS_OK);
    CHECK_EQ_INT(b.len, 12);
    CHECK_EQ_STR(b.str + 8, "ABCD");
    CHECK_EQ_INT(nsi_buf_printf(&b, "-%d-", 42), NS_OK);
    CHECK_EQ_STR(b.str + 8, "ABCD-42-");
    nsi_buf_reset(&b);
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_STR(b.str, "");
    for (int i = 0; i < 1000; i++) /* growth keeps the NUL */
        CHECK_EQ_INT(nsi_buf_putc(&b, (uint8_t)('a' + i % 26)), NS_OK);
    CHECK_EQ_INT(strlen(b.str), 1000);
    nsi_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
}

static void empty_and_terminate(void)
{
    nsi_buf b = {0};
    CHECK_EQ_INT(nsi_buf_append(&b, "", 0), NS_OK);
    CHECK(b.data == NULL); /* nothing appended, nothing allocated */
    CHECK_EQ_INT(nsi_buf_terminate(&b), NS_OK);
    CHECK_EQ_STR(b.str, "");
    size_t len = 99;
    uint8_t *p = nsi_buf_steal(&b, &len);
    CHECK(p != NULL && len == 0 && b.data == NULL);
    free(p);
}

static void the_cap(void)
{
    nsi_buf b = {0};
    b.limit = 8;
    CHECK_EQ_INT(nsi_buf_puts(&b, "12345678"), NS_OK);
    CHECK_EQ_INT(nsi_buf_putc(&b, '9'), NS_ETOOBIG);
    CHECK_EQ_INT(nsi_buf_puts(&b, "9"), NS_ETOOBIG);
    CHECK_EQ_INT(b.len, 8); /* left as it was */
    CHECK_EQ_STR(b.str, "12345678");
    nsi_buf_reset(&b);
    CHECK_EQ_INT(nsi_buf_reserve(&b, 9), NS_ETOOBIG);
    CHECK_EQ_INT(nsi_buf_reserve(&b, 8), NS_OK);
    nsi_buf_free(&b);
}

NS_TEST_MAIN(NST(appends_keep_a_c_string), NST(empty_and_terminate), NST(the_cap))
